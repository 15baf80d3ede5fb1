// The editors' overlap page: check a draft (POST /api/overlap) or a stored article
// (GET /api/articles/<id>/overlap) and show the shared text side by side.
// Text is never inserted as HTML: it goes in as text nodes, and only <mark> elements are added.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const percent = new Intl.NumberFormat("nl-NL", { style: "percent", maximumFractionDigits: 0 });
  const titles = new Map(); // title shown in the list -> article id

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // The text with [start, end) ranges wrapped in <mark>; overlapping ranges are merged.
  function markedText(text, ranges) {
    const sorted = ranges.filter((r) => r[1] > r[0]).sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const [start, end] of sorted) {
      const last = merged[merged.length - 1];
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    const fragment = document.createDocumentFragment();
    let at = 0;
    for (const [start, end] of merged) {
      if (start > at) fragment.append(document.createTextNode(text.slice(at, start)));
      fragment.append(el("mark", {}, text.slice(start, end)));
      at = end;
    }
    if (at < text.length) fragment.append(document.createTextNode(text.slice(at)));
    return fragment;
  }

  function setStatus(message, isError) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  // What the API's error codes mean for an editor (the API's own texts may name internals).
  const ERRORS = {
    not_found: "dit artikel bestaat niet (meer).",
    invalid_draft: "deze tekst kan niet worden gecontroleerd; plak gewone tekst met minstens " +
      "één alinea.",
    payload_too_large: "de tekst is te lang om te controleren.",
    rate_limited: "te veel controles kort na elkaar; probeer het zo opnieuw.",
    engine_unavailable: "de zoekmachine is even niet bereikbaar; probeer het zo opnieuw.",
    index_damaged: "de zoekindex is even niet bruikbaar; probeer het zo opnieuw.",
    internal_error: "er ging onverwacht iets mis aan onze kant.",
  };

  function errorMessage(response, body) {
    const error = body && body.error;
    if (error && ERRORS[error.code]) return ERRORS[error.code];
    if (error && error.code === "invalid_parameter") return error.message;
    return "de server antwoordde met fout " + response.status + ".";
  }

  // The live article: its own address, or its article page on this site. It opens in a new
  // tab, so that the draft being checked stays where it is.
  function articleLink(article) {
    const url = article.url || "/artikel/" + encodeURIComponent(article.id);
    return el("a", { href: url, target: "_blank", rel: "noopener" }, article.title || article.id,
      el("span", { className: "visually-hidden" }, " (opent in een nieuw tabblad)"));
  }

  // The check of another stored article, on this page.
  function checkLink(article) {
    const url = "/editor?article=" + encodeURIComponent(article.id);
    return el("a", { href: url, className: "check" }, "controleer dit artikel",
      el("span", { className: "visually-hidden" }, ": " + (article.title || article.id)));
  }

  // Where a passage stands: its section, or (in a draft without headings) its paragraph number.
  function place(passage) {
    if (passage.section) return passage.section;
    return passage.index === 0 ? "eerste alinea" : "alinea " + (passage.index + 1);
  }

  function passageFigure(caption, passage, ranges) {
    return el("figure", {},
      el("figcaption", {}, ...caption, " — " + place(passage)),
      el("blockquote", {}, markedText(passage.text, ranges)));
  }

  // The meter's colour follows low/high/optimum (green, yellow, red); the word says it too.
  function fractionWord(fraction) {
    if (fraction >= 0.3) return "veel overlap";
    if (fraction >= 0.1) return "enige overlap";
    return "weinig overlap";
  }

  // Every passage of the checked text, in order, with its own coverage and its shared text
  // marked; each links to its matches in the list below.
  function renderPassages(report) {
    const part = $("passages-part"), list = $("passages");
    const passages = report.passages || [];
    part.hidden = passages.length === 0;
    list.replaceChildren(...passages.map((item) => {
      const ranges = item.matches.flatMap((i) => report.matches[i].spans.map((s) => [s.start, s.end]));
      const name = place(item.passage);
      const head = el("p", { className: "coverage" }, el("strong", {}, capitalised(name)), " ");
      if (item.compared) {
        const meter = el("meter", {
          min: "0", max: "1", low: "0.1", high: "0.3", optimum: "0", value: String(item.coverage),
          "aria-label": capitalised(name) + ": " + percent.format(item.coverage) + " staat elders",
        }, percent.format(item.coverage));
        head.append(meter, " " + percent.format(item.coverage) + " staat elders");
      } else {
        head.append(item.boilerplate ? ": standaardtekst van de site (telt niet mee)"
          : ": te kort om te vergelijken");
      }
      const links = item.matches.map((i) =>
        el("a", { href: "#match-" + (i + 1) }, "overeenkomst " + (i + 1)));
      if (links.length) {
        head.append(" — zie ");
        links.forEach((link, n) => head.append(...(n ? [", ", link] : [link])));
      }
      return el("li", { className: "passage " + level(item) }, head,
        el("blockquote", {}, markedText(item.passage.text, ranges)));
    }));
  }

  function level(item) {
    if (!item.compared) return "not-compared";
    if (item.coverage >= 0.3) return "much";
    return item.coverage >= 0.1 ? "some" : "little";
  }

  function capitalised(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function renderReport(report, isDraft) {
    const name = isDraft ? "het concept" : "“" + report.article.title + "”";
    const count = report.matches.length;
    $("summary").textContent = count
      ? percent.format(report.duplicated_fraction) + " van de tekst van " + name +
        " staat ook elders op de site (" + count +
        (count === 1 ? " overeenkomende passage)." : " overeenkomende passages).")
      : "Geen gedeelde tekst gevonden: 0% van de tekst van " + name + " staat elders op de site.";
    if (report.matches_found > count) {
      $("summary").append(" De " + count + " duidelijkste van " + report.matches_found +
        " overeenkomsten staan hieronder.");
    }
    if (report.truncated) {
      $("summary").append(" Let op: deze tekst deelt woorden met zeer veel passages; " +
        "niet alle passages zijn vergeleken.");
    }
    $("fraction-meter").value = report.duplicated_fraction;
    $("fraction-meter").textContent = percent.format(report.duplicated_fraction);
    $("fraction-word").textContent = fractionWord(report.duplicated_fraction);

    renderPassages(report);
    const matches = $("matches");
    matches.replaceChildren();
    for (const [i, match] of report.matches.entries()) {
      const mine = match.spans.map((s) => [s.start, s.end]);
      const theirs = match.spans.map((s) => [s.other_start, s.other_end]);
      matches.append(el("li", { className: "match", id: "match-" + (i + 1), tabindex: "-1" },
        el("p", { className: "similarity" },
          "Overeenkomst: " + percent.format(match.similarity) + " van deze passage"),
        el("div", { className: "pair" },
          passageFigure([isDraft ? "Concept" : "Dit artikel"], match.passage, mine),
          passageFigure(["Elders: ", articleLink(match.other_article)],
            match.other_passage, theirs))));
    }
    if (!count) matches.append(el("li", { className: "none" }, "Geen overeenkomende passages."));

    const related = $("related");
    related.replaceChildren();
    for (const item of report.related) {
      const shared = item.shared_entities.length
        ? "Gedeelde onderwerpen: " + item.shared_entities.join(", ")
        : "Geen gedeelde onderwerpen herkend";
      related.append(el("li", {}, articleLink(item.article), " ",
        el("span", { className: "entities" }, "(" + shared + ")"), " ", checkLink(item.article)));
    }
    if (!report.related.length) related.append(el("li", {}, "Geen verwante artikelen gevonden."));

    const section = $("report");
    section.hidden = false;
    section.focus();
  }

  async function check(request, isDraft) {
    setStatus("Bezig met controleren…");
    for (const button of document.querySelectorAll("button")) button.disabled = true;
    try {
      const response = await fetch(request.url, request.init);
      let body = null;
      try { body = await response.json(); } catch (ignored) { body = null; }
      if (!response.ok) {
        setStatus("Controle mislukt: " + errorMessage(response, body), true);
        return;
      }
      renderReport(body, isDraft);
      setStatus("Controle klaar.");
    } catch (error) {
      setStatus("Controle mislukt: de server is niet bereikbaar.", true);
    } finally {
      for (const button of document.querySelectorAll("button")) button.disabled = false;
    }
  }

  function checkArticle(id) {
    const url = "/api/articles/" + encodeURIComponent(id) + "/overlap";
    return check({ url: url, init: { headers: { Accept: "application/json" } } }, false);
  }

  let suggestTimer = null;
  async function suggestTitles(prefix) {
    if (!prefix.trim()) return;
    const response = await fetch("/api/suggest?q=" + encodeURIComponent(prefix));
    if (!response.ok) return;
    const body = await response.json();
    const options = $("article-options");
    options.replaceChildren();
    for (const completion of body.completions) {
      if (completion.kind !== "title" || !completion.article_id) continue;
      titles.set(completion.text, completion.article_id);
      options.append(el("option", { value: completion.text }));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("draft-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("draft-text").value;
      if (!text.trim()) {
        setStatus("Plak eerst de tekst van het concept.", true);
        return;
      }
      const draft = { text: text };
      const title = $("draft-title").value.trim();
      if (title) draft.title = title;
      check({
        url: "/api/overlap",
        init: {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(draft),
        },
      }, true);
    });

    $("article-query").addEventListener("input", (event) => {
      clearTimeout(suggestTimer);
      const value = event.target.value;
      suggestTimer = setTimeout(() => suggestTitles(value).catch(() => {}), 150);
    });

    $("article-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = $("article-query").value.trim();
      const id = titles.get(value) || value;
      if (!id) {
        setStatus("Kies een artikel uit de lijst.", true);
        return;
      }
      history.replaceState(null, "", "/editor?article=" + encodeURIComponent(id));
      checkArticle(id);
    });

    const preset = new URLSearchParams(location.search).get("article");
    if (preset) {
      $("article-query").value = preset;
      checkArticle(preset);
    }
  });
})();
