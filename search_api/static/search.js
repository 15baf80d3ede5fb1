/* The search page: suggestions while typing, results, facets and paging.
 * All state lives in the URL query string (?q=&page=&label=&entity=), so a result page can be
 * linked and back/forward works. No framework, no build step. */
"use strict";

(function () {
  const SUGGEST_DELAY_MS = 150;
  const PAGE_SIZE = 10;
  const ENTITY_NAMES = {
    NUTRIENT: "Voedingsstoffen", SUPPLEMENT: "Supplementen", CONDITION: "Aandoeningen",
    NEUROTRANSMITTER: "Neurotransmitters", RECEPTOR: "Receptoren", SYMPTOM: "Symptomen",
    SIDE_EFFECT: "Bijwerkingen", STUDY_TYPE: "Soorten onderzoek", TREATMENT: "Behandelingen",
    PERSON: "Personen", AGE: "Leeftijden", DOSE: "Doseringen",
  };
  const KIND_NAMES = { title: "artikel", term: "zoekterm", entity: "onderwerp" };

  const $ = (id) => document.getElementById(id);
  const form = $("search-form"), input = $("q"), listbox = $("suggestions");
  const statusBox = $("status"), results = $("results"), facetsBox = $("facets");
  const chipsBox = $("active-filters"), didYouMean = $("did-you-mean");
  const pagination = $("pagination"), prev = $("prev"), next = $("next"), pageInfo = $("page-info");

  /* ---- state <-> URL ---------------------------------------------------------------- */
  function readState() {
    const p = new URLSearchParams(location.search);
    const page = parseInt(p.get("page") || "1", 10);
    return {
      q: (p.get("q") || "").trim(),
      page: Number.isFinite(page) && page > 0 ? page : 1,
      labels: p.getAll("label"),
      entities: p.getAll("entity"),
    };
  }

  function stateQuery(state, withSize) {
    const p = new URLSearchParams();
    p.set("q", state.q);
    if (state.page > 1) p.set("page", String(state.page));
    if (withSize) p.set("size", String(PAGE_SIZE));
    state.labels.forEach((v) => p.append("label", v));
    state.entities.forEach((v) => p.append("entity", v));
    return p.toString();
  }

  function go(state) {
    history.pushState(null, "", "?" + stateQuery(state, false));
    render(state);
  }

  /* ---- helpers --------------------------------------------------------------------- */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    });
    children.forEach((c) => node.append(c));
    return node;
  }

  /* The API's snippet is escaped text with only <mark>...</mark> added. Rebuild it as DOM
   * nodes (text nodes and <mark> elements) instead of assigning innerHTML; anything that is
   * not exactly that shape is shown as plain text. */
  function snippetNodes(html) {
    const parts = html.split(/(<\/?mark>)/);
    const stray = parts.some((part) => part !== "<mark>" && part !== "</mark>" && /[<>]/.test(part));
    if (stray) return [document.createTextNode(decodeEntities(html.replace(/<[^>]*>/g, "")))];
    const nodes = [];
    let mark = null;
    parts.forEach((part) => {
      if (part === "<mark>") { mark = document.createElement("mark"); nodes.push(mark); }
      else if (part === "</mark>") { mark = null; }
      else if (part) {
        const text = document.createTextNode(decodeEntities(part));
        if (mark) mark.append(text); else nodes.push(text);
      }
    });
    return nodes;
  }

  const NAMED_ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: "\u00a0" };

  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
      if (name[0] !== "#") return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    });
  }

  async function getJSON(url, signal) {
    const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = body && body.error ? body.error.message : "HTTP " + response.status;
      throw new Error(message);
    }
    return body;
  }

  /* ---- suggestions ----------------------------------------------------------------- */
  let suggestTimer = 0, suggestAbort = null, active = -1, options = [];

  function closeSuggestions() {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    options = [];
  }

  function setActive(index) {
    options.forEach((o, i) => o.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(text) {
    input.value = text;
    closeSuggestions();
    go({ q: text, page: 1, labels: [], entities: [] });
  }

  function showSuggestions(completions) {
    closeSuggestions();
    if (!completions.length || document.activeElement !== input) return;
    options = completions.map((c, i) => el("li", {
      id: "suggestion-" + i, role: "option", "aria-selected": "false",
      onmousedown: (event) => { event.preventDefault(); choose(c.text); },
    }, c.text, el("span", { class: "kind", text: KIND_NAMES[c.kind] || c.kind })));
    listbox.replaceChildren(...options);
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  async function fetchSuggestions(prefix) {
    if (suggestAbort) suggestAbort.abort();
    suggestAbort = new AbortController();
    try {
      const body = await getJSON("/api/suggest?" + new URLSearchParams({ q: prefix }), suggestAbort.signal);
      // Only the answer for what is in the box now counts (answers can arrive out of order).
      if (input.value.trim() === prefix) showSuggestions(body.completions);
    } catch (error) {
      if (error.name !== "AbortError") closeSuggestions();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    const prefix = input.value.trim();
    if (prefix.length < 2) { closeSuggestions(); return; }
    suggestTimer = setTimeout(() => fetchSuggestions(prefix), SUGGEST_DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (listbox.hidden) {
      if (event.key === "ArrowDown" && input.value.trim().length >= 2) fetchSuggestions(input.value.trim());
      return;
    }
    if (event.key === "ArrowDown") { event.preventDefault(); setActive((active + 1) % options.length); }
    else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(options[active].firstChild.textContent);
    } else if (event.key === "Escape") { event.preventDefault(); closeSuggestions(); }
  });

  input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(suggestTimer);
    closeSuggestions();
    const q = input.value.trim();
    if (q) go({ q, page: 1, labels: [], entities: [] });
  });

  /* ---- results --------------------------------------------------------------------- */
  let searchAbort = null;

  async function render(state) {
    input.value = state.q;
    if (!state.q) { clear(); return; }
    if (searchAbort) searchAbort.abort();
    searchAbort = new AbortController();
    statusBox.textContent = "Zoeken…";
    let body;
    try {
      body = await getJSON("/api/search?" + stateQuery(state, true), searchAbort.signal);
    } catch (error) {
      if (error.name === "AbortError") return;
      clear();
      statusBox.textContent = "Er ging iets mis: " + error.message;
      return;
    }
    renderResults(state, body);
  }

  function clear() {
    results.replaceChildren();
    facetsBox.hidden = true;
    chipsBox.hidden = true;
    pagination.hidden = true;
    didYouMean.hidden = true;
    statusBox.textContent = "";
  }

  function renderResults(state, body) {
    const pages = Math.max(1, Math.ceil(body.total / body.size));
    if (body.total === 0) {
      statusBox.replaceChildren(el("span", { class: "empty", text: "Geen resultaten voor “" + state.q + "”." }));
    } else {
      const word = body.total === 1 ? " resultaat" : " resultaten";
      statusBox.textContent = body.total + word + " voor “" + state.q + "”" +
        (pages > 1 ? ", pagina " + body.page + " van " + pages : "") + ".";
    }
    results.replaceChildren(...body.hits.map(hitItem));
    renderSuggestion(state, body.suggestion);
    renderChips(state);
    renderFacets(state, body.facets);
    pagination.hidden = pages <= 1;
    prev.disabled = body.page <= 1;
    next.disabled = body.page >= pages;
    pageInfo.textContent = "Pagina " + body.page + " van " + pages;
  }

  function hitItem(hit) {
    const base = hit.url || "/api/articles/" + encodeURIComponent(hit.id);
    const titleHref = hit.section ? base.split("#")[0] + "#" + hit.section.anchor : base;
    const item = el("li", { class: "hit" }, el("h2", {}, el("a", { href: titleHref, text: hit.title })));
    if (hit.section) {
      item.append(el("p", { class: "section" },
        el("a", { href: titleHref, text: "§ " + hit.section.heading })));
    }
    item.append(el("p", { class: "snippet" }, ...snippetNodes(hit.snippet)));
    if (hit.labels.length) item.append(el("p", { class: "labels", text: hit.labels.map((l) => "#" + l).join(" ") }));
    return item;
  }

  function renderSuggestion(state, suggestion) {
    didYouMean.hidden = !suggestion;
    if (!suggestion) return;
    const target = { q: suggestion, page: 1, labels: state.labels, entities: state.entities };
    const link = el("a", {
      href: "?" + stateQuery(target, false),
      onclick: (event) => { event.preventDefault(); go(target); },
    });
    link.textContent = suggestion;
    didYouMean.replaceChildren("Bedoelde u ", link, "?");
  }

  function renderChips(state) {
    const chips = [];
    state.labels.forEach((value) => chips.push(chip(state, "labels", value, "#" + value)));
    state.entities.forEach((value) => chips.push(chip(state, "entities", value, value.split(":").slice(-1)[0])));
    chipsBox.replaceChildren(...chips);
    chipsBox.hidden = chips.length === 0;
  }

  function chip(state, kind, value, shown) {
    return el("button", {
      type: "button", class: "chip", "aria-label": "Filter " + shown + " verwijderen",
      onclick: () => {
        const nextState = { ...state, page: 1 };
        nextState[kind] = state[kind].filter((v) => v !== value);
        go(nextState);
      },
    }, shown + " ×");
  }

  function renderFacets(state, facets) {
    const groups = [];
    const labelValues = facets.labels.filter((f) => !state.labels.includes(f.value));
    if (labelValues.length) groups.push(facetGroup("Onderwerpen", labelValues, (v) => ({ ...state, page: 1, labels: [...state.labels, v] })));
    Object.entries(facets.entities).forEach(([type, values]) => {
      const remaining = values.filter((f) => !state.entities.includes(type + ":" + f.value));
      if (remaining.length) {
        groups.push(facetGroup(ENTITY_NAMES[type] || type, remaining,
          (v) => ({ ...state, page: 1, entities: [...state.entities, type + ":" + v] })));
      }
    });
    facetsBox.replaceChildren(...groups.flat());
    facetsBox.hidden = groups.length === 0;
  }

  function facetGroup(title, values, target) {
    const list = el("ul", {}, ...values.slice(0, 10).map((f) => el("li", {},
      el("button", { type: "button", class: "facet", onclick: () => go(target(f.value)) },
        f.value + " (" + f.count + ")"))));
    return [el("h2", { text: title }), list];
  }

  prev.addEventListener("click", () => { const s = readState(); go({ ...s, page: Math.max(1, s.page - 1) }); });
  next.addEventListener("click", () => { const s = readState(); go({ ...s, page: s.page + 1 }); });
  window.addEventListener("popstate", () => render(readState()));
  render(readState());
})();
