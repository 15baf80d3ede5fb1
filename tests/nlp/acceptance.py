"""The acceptance sets of issue 2 for the seed pages, shared by the NLP and CLI tests."""

from __future__ import annotations

# (value, label) pairs every enrichment of the depression seed page must contain
DEPRESSION_ENTITIES = {
    ("magnesium", "NUTRIENT"),
    ("depressie", "CONDITION"),
    ("serotonine", "NEUROTRANSMITTER"),
    ("dopamine", "NEUROTRANSMITTER"),
    ("noradrenaline", "NEUROTRANSMITTER"),
    ("NMDA-receptor", "RECEPTOR"),
    ("diarree", "SIDE_EFFECT"),
    ("misselijkheid", "SIDE_EFFECT"),
    ("RCT", "STUDY_TYPE"),
    ("antidepressiva", "TREATMENT"),
    ("psychotherapie", "TREATMENT"),
    ("48", "AGE"),
    ("62", "AGE"),
}
# ... and of the ADHD seed page
ADHD_ENTITIES = {
    ("magnesium bisglycinaat", "SUPPLEMENT"),
    ("ADHD", "CONDITION"),
    ("10", "AGE"),
    ("magnesium", "NUTRIENT"),
    ("NMDA-receptor", "RECEPTOR"),
    ("norepinephrine", "NEUROTRANSMITTER"),
    ("buikkrampen", "SIDE_EFFECT"),
    ("psychotherapie", "TREATMENT"),
    ("gedragstherapie", "TREATMENT"),
    ("angststoornis", "CONDITION"),
}
DEPRESSION_PERSONS = {"Mevrouw Jansen", "De heer De Vries"}
