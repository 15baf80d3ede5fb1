"""A small site with boilerplate, real copies and a chain, as editors meet them at scale.

Eight articles, each on its own subject. All carry the same note (a whole passage) and end
their first paragraph with the same instruction (a run of words inside a passage): the
site's boilerplate. Articles 1 and 2 share a copied paragraph; article 4 repeats one sentence
of article 3 and another sentence of article 5 (3 and 5 share nothing).
"""

from __future__ import annotations

from indexer.pages.models import Page
from indexer.pages.parsing import parse_plain_text

NOTE = (
    "Let op: de informatie op deze pagina is algemeen van aard en vervangt nooit het "
    "persoonlijke advies van uw eigen huisarts of apotheker bij klachten."
)
INSTRUCTION = (
    "Klik daarna op de knop Opslaan om het venster te sluiten en alle wijzigingen te bewaren."
)
COPIED = (
    "Vitamine D wordt in de huid aangemaakt onder invloed van zonlicht en is nodig voor de "
    "opname van calcium uit de darm, waardoor botten en tanden sterk blijven."
)
SENTENCE_3_4 = (
    "Een wandeling van een half uur per dag verlaagt de bloeddruk en verbetert de conditie "
    "van hart en bloedvaten aanzienlijk."
)
SENTENCE_4_5 = (
    "Wie slecht slaapt, kan het beste elke avond op hetzelfde tijdstip naar bed gaan en "
    "schermen een uur voor het slapen uitzetten."
)
SUBJECTS = [
    "Zink helpt het afweersysteem en komt veel voor in vlees, vis, noten en volkoren "
    "graanproducten die dagelijks op tafel staan.",
    "IJzer vervoert zuurstof door het lichaam; een tekort geeft vermoeidheid, bleekheid en "
    "kortademigheid bij lichte inspanning of traplopen.",
    "Jodium is onmisbaar voor de schildklier, daarom voegen bakkers het via bakkerszout aan "
    "brood toe in de meeste Europese landen.",
    "Omega-3-vetzuren uit vette vis zoals zalm en makreel ondersteunen de werking van de "
    "hersenen en het gezichtsvermogen van ouderen.",
    "Vezels uit groente, fruit en peulvruchten zorgen voor een goede stoelgang en geven een "
    "langdurig verzadigd gevoel na de maaltijd.",
    "Foliumzuur is belangrijk rond de zwangerschap, omdat het de kans op een open ruggetje "
    "bij het ongeboren kind duidelijk verkleint.",
    "Kalium uit bananen, aardappelen en spinazie houdt de spieren soepel en helpt het hart "
    "in een regelmatig ritme te kloppen.",
    "Vitamine B12 zit vooral in dierlijke producten, waardoor veganisten het vaak als "
    "supplement nemen om bloedarmoede te voorkomen.",
]
def site_pages() -> list[Page]:
    """The eight articles, as parsed pages."""
    pages = []
    for number, subject in enumerate(SUBJECTS, start=1):
        paragraphs = [f"{subject} {INSTRUCTION}", NOTE]
        if number in (1, 2):
            paragraphs.append(COPIED)
        if number == 3:
            paragraphs[0] = f"{subject} {SENTENCE_3_4} {INSTRUCTION}"
        if number == 4:
            paragraphs.append(f"{SENTENCE_3_4} Daarnaast geldt een tweede advies. {SENTENCE_4_5}")
        if number == 5:
            paragraphs[0] = f"{subject} {SENTENCE_4_5} {INSTRUCTION}"
        pages.append(parse_plain_text("\n\n".join(paragraphs), title=f"Artikel {number}"))
    return pages
