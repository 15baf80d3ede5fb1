"""The site report as a standalone Dutch HTML page (every text escaped)."""

from __future__ import annotations

import html

from indexer.overlap.report import SiteReport

# Articles named under one boilerplate text before "en N andere".
_CARRIERS_SHOWN = 20


def render_html(report: SiteReport, limit: int = 200) -> str:
    """The report as a standalone Dutch HTML page, `limit` rows per section."""
    e = html.escape
    rows = "\n".join(
        f"<tr><td>{e(a.article.title)}<br><code>{e(a.article.id or '')}</code></td>"
        f"<td>{a.duplicated_fraction:.0%}</td><td>{a.duplicated_words} / "
        f"{a.words - a.boilerplate_words}</td><td>{a.boilerplate_words}</td>"
        f"<td>{a.shared_with}</td></tr>"
        for a in report.articles[:limit]
    )
    clusters = "\n".join(
        f"<li><p>{cluster.words} woorden in {cluster.articles} artikelen</p><ul>"
        + "".join(
            f"<li><strong>{e(p.article_id or '')}</strong> "
            f"({e(p.section or 'inleiding')}): {e(p.text[:300])}</li>"
            for p in cluster.passages
        )
        + "</ul></li>"
        for cluster in report.clusters[:limit]
    )
    boilerplate = "\n".join(
        f"<li><blockquote>{e(text.text[:500])}</blockquote>"
        f"<details><summary>op {text.pages} pagina's</summary><ul>"
        + "".join(f"<li>{e(a.title)} <code>{e(a.id or '')}</code></li>"
                  for a in text.articles[:_CARRIERS_SHOWN])
        + (f"<li>en {text.pages - _CARRIERS_SHOWN} andere</li>"
           if text.pages > _CARRIERS_SHOWN else "")
        + "</ul></details></li>"
        for text in report.boilerplate[:limit]
    )
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Overlaprapport</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.3em .6em}}</style>
</head><body><main>
<h1>Overlaprapport van de site</h1>
<p>{report.passages} passages, {report.candidate_pairs} kandidaatparen,
{report.verified_pairs} paren met gedeelde tekst. Tekst die op {report.boilerplate_pages} of
meer artikelen staat, is standaardtekst: die telt niet mee als overlap.</p>
<h2>Per artikel</h2>
<table><thead><tr><th scope="col">Artikel</th><th scope="col">Gedupliceerd</th>
<th scope="col">Woorden elders / eigen woorden</th><th scope="col">Standaardtekst (woorden)</th>
<th scope="col">Gedeeld met (artikelen)</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<h2>Herhaalde passages</h2>
<ol>
{clusters}
</ol>
<h2>Standaardtekst</h2>
<ol>
{boilerplate}
</ol>
</main></body></html>
"""
