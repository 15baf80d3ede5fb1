/* The search page and the article page, enhanced: suggestions while typing, and on the search
 * page results swapped in without a reload. The server renders every page completely (it works
 * without this script); here a search, a filter or another page is fetched as that same HTML
 * and its <main> put in place of ours. All state lives in the URL. No framework, no build step. */
"use strict";

(function () {
  document.documentElement.classList.add("js");

  const SUGGEST_DELAY_MS = 150;
  const KIND_NAMES = { title: "artikel", term: "zoekterm", entity: "onderwerp" };
  const WIDE = window.matchMedia("(min-width: 48rem)");

  const $ = (id) => document.getElementById(id);
  const form = $("search-form"), input = $("q"), listbox = $("suggestions");
  if (!form || !input || !listbox) return;
  const onSearchPage = () => document.querySelector("#content[data-search-page]") !== null;

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

  function searchHref(q) {
    return "/?" + new URLSearchParams({ q: q }).toString();
  }

  /* ---- suggestions ----------------------------------------------------------------- */
  let suggestTimer = 0, suggestAbort = null, active = -1, options = [], completions = [];

  function closeSuggestions() {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    options = [];
    completions = [];
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

  /* A suggestion opens what it names: an article its page, a term or topic its search. */
  function open(completion) {
    closeSuggestions();
    if (completion.kind === "title" && completion.article_id) {
      location.assign("/artikel/" + encodeURIComponent(completion.article_id));
      return;
    }
    input.value = completion.text;
    search(completion.text);
  }

  function showSuggestions(found) {
    closeSuggestions();
    if (!found.length || document.activeElement !== input) return;
    completions = found;
    // The kind is read after a comma ("magnesium, onderwerp"), not run into the text.
    options = found.map((c, i) => {
      const kind = KIND_NAMES[c.kind] || c.kind;
      return el("li", {
        id: "suggestion-" + i, role: "option", "aria-selected": "false",
        "aria-label": c.text + ", " + kind,
        onmousedown: (event) => { event.preventDefault(); open(c); },
      }, c.text, el("span", { class: "kind", "aria-hidden": "true", text: kind }));
    });
    listbox.replaceChildren(...options);
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  async function fetchSuggestions(prefix) {
    if (suggestAbort) suggestAbort.abort();
    suggestAbort = new AbortController();
    try {
      const response = await fetch("/api/suggest?" + new URLSearchParams({ q: prefix }),
        { signal: suggestAbort.signal, headers: { Accept: "application/json" } });
      if (!response.ok) { closeSuggestions(); return; }
      const body = await response.json();
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
      open(completions[active]);
    } else if (event.key === "Escape") { event.preventDefault(); closeSuggestions(); }
  });

  input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));

  form.addEventListener("submit", (event) => {
    clearTimeout(suggestTimer);
    closeSuggestions();
    const q = input.value.trim();
    if (!q || !onSearchPage()) return; // an ordinary submit: the browser loads the page
    event.preventDefault();
    search(q);
  });

  function search(q) {
    if (onSearchPage()) load(searchHref(q), { push: true });
    else location.assign(searchHref(q));
  }

  /* ---- swapping in the server's page ------------------------------------------------ */
  let loadAbort = null;

  /* Fetch the page at `url` and put its <main> in place of ours; `after` runs once it is in. */
  async function load(url, { push, after }) {
    if (loadAbort) loadAbort.abort();
    loadAbort = new AbortController();
    const wasOpen = Boolean($("filters") && $("filters").open);
    let doc, shownUrl;
    try {
      const response = await fetch(url, { signal: loadAbort.signal, headers: { Accept: "text/html" } });
      shownUrl = response.url; // a page past the last is redirected to the last
      doc = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      if (error.name !== "AbortError") location.assign(url); // let the browser try
      return;
    }
    const fresh = doc.getElementById("content");
    if (!fresh || !fresh.hasAttribute("data-search-page")) { location.assign(shownUrl); return; }
    $("content").replaceWith(document.importNode(fresh, true));
    document.title = doc.title;
    const freshInput = doc.getElementById("q");
    if (freshInput && document.activeElement !== input) input.value = freshInput.value;
    if (push) history.pushState(null, "", shownUrl);
    else if (shownUrl !== location.href.split("#")[0]) history.replaceState(null, "", shownUrl);
    const freshStatus = doc.getElementById("status");
    $("status").textContent = freshStatus ? freshStatus.textContent : "";
    openFilters(wasOpen);
    if (after) after();
  }

  function focusResults() {
    const heading = $("resultaten");
    if (!heading) return;
    heading.focus({ preventScroll: true });
    heading.scrollIntoView({ block: "start" });
  }

  /* Beside the results on a wide screen the filters are always open; on a phone they stay
   * as the visitor left them. */
  function openFilters(wasOpen) {
    const filters = $("filters");
    if (filters && (WIDE.matches || wasOpen)) filters.open = true;
  }

  function sameSearchPage(link) {
    if (!link || link.target || link.hasAttribute("download")) return false;
    const url = new URL(link.href, location.href);
    return url.origin === location.origin && url.pathname === "/" && url.searchParams.has("q");
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("#content a[href]");
    if (!onSearchPage() || !sameSearchPage(link) || event.button !== 0 ||
        event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    load(link.href.split("#")[0], { push: true, after: focusResults });
  });

  function applyFilters(filterForm, focused) {
    const query = new URLSearchParams(new FormData(filterForm)).toString();
    load("/?" + query, {
      push: true,
      after: () => {
        // Keep the visitor's place: the same checkbox, in the new list.
        const again = focused && Array.from(document.querySelectorAll("#filter-form input"))
          .find((box) => box.name === focused.name && box.value === focused.value);
        if (again) again.focus();
      },
    });
  }

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (box.matches && box.matches("#filter-form input[type=checkbox]")) applyFilters(box.form, box);
  });

  document.addEventListener("submit", (event) => {
    if (event.target.id !== "filter-form") return;
    event.preventDefault();
    applyFilters(event.target, null);
  });

  window.addEventListener("popstate", () => {
    if (onSearchPage()) load(location.href, { push: false });
  });

  openFilters(false);
})();
