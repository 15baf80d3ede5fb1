"""The Dutch spaCy pipeline: a trained model when installed, else a fast blank `nl` pipeline.

`build_nlp(settings)` is the only way the rest of the code gets a pipeline (no module-level
state). Our components (indexer.nlp.components) always run last, so that entities come from our
gazetteers and patterns whichever base pipeline is used.
"""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

import indexer.nlp.components  # noqa: F401  (registers our factories with spaCy)
from indexer.settings import Settings

# What our enrichment does not use from a trained pipeline: its own NER (our entities come
# from the gazetteers and patterns) and the dependency parser (a sentencizer is enough and
# many times faster).
TRAINED_EXCLUDE = ("ner", "parser")


def build_nlp(settings: Settings) -> Language:
    """A ready pipeline: tokenizer, lemmas, sentences and our entity components.

    `settings.spacy_model` names a trained pipeline package (nl_core_news_sm/md/lg) or a
    pipeline folder; when it is installed (or the folder exists) it is loaded without its
    NER and parser, and a sentencizer is added. Otherwise: `spacy.blank("nl")` with a lookup
    lemmatizer (the `lemma_lookup` table of spacy-lookups-data, read offline) and a sentencizer.
    """
    model = settings.spacy_model
    if spacy.util.is_package(model) or Path(model).is_dir():
        nlp = spacy.load(model, exclude=list(TRAINED_EXCLUDE))
        if "senter" not in nlp.pipe_names:
            nlp.add_pipe("sitesearch_sentencizer")
    else:
        nlp = spacy.blank("nl")
        # spaCy's lookup lemmatizer with the same table, made fast (see indexer.nlp.components).
        nlp.add_pipe("sitesearch_lemmatizer")
        nlp.add_pipe("sitesearch_sentencizer")
    gazetteer_dir = settings.config_dir / "gazetteers"
    nlp.add_pipe("sitesearch_gazetteer", config={"gazetteer_dir": str(gazetteer_dir)})
    nlp.add_pipe("sitesearch_patterns")
    return nlp
