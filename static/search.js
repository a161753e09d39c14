// newsgen search page: Pagefind's JS API over the site's own index; nothing from another
// host. Results are newest first; the topic and provider lists narrow them.
//
// The index is one Pagefind bundle per month (data-bundles, newest first), merged here,
// each tagged with its month as a "bundle" filter. A merged search orders results by each
// bundle's own ranking, not by date across bundles; so the count comes from one search of
// them all, and the newest results from searching the months one by one, newest first.
(async () => {
  const form = document.getElementById("search-form");
  if (!form) return;
  const query = form.elements.namedItem("q");
  const topic = form.elements.namedItem("topic");
  const provider = form.elements.namedItem("provider");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const base = form.dataset.base || "/";
  const bundles = (form.dataset.bundles || "").split(" ").filter(Boolean);
  let pagefind;
  try {
    if (!bundles.length) throw new Error("no articles to search");
    pagefind = await import(base + "pagefind/" + bundles[0] + "/pagefind.js");
    await pagefind.options({ baseUrl: base, mergeFilter: { bundle: bundles[0] } });
    for (const name of bundles.slice(1)) {
      await pagefind.mergeIndex(base + "pagefind/" + name + "/",
        { baseUrl: base, mergeFilter: { bundle: name } });
    }
  } catch (error) {
    status.textContent = "Search is not available on this copy of the site.";
    return;
  }
  const filters = await pagefind.filters();
  fill(topic, filters.topic || {});
  fill(provider, filters.provider || {});
  const params = new URLSearchParams(window.location.search);
  query.value = params.get("q") || "";
  topic.value = params.get("topic") || "";
  provider.value = params.get("provider") || "";

  function fill(select, counts) {
    for (const name of Object.keys(counts).sort((a, b) => a.localeCompare(b))) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = `${name} (${counts[name]})`;
      select.append(option);
    }
  }

  function entry(data) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    const heading = document.createElement("h2");
    heading.className = "result-title";
    heading.append(link);
    const excerpt = document.createElement("p");
    // Pagefind marks matches with <mark>; the text alone is kept, never parsed as HTML here.
    excerpt.textContent = new DOMParser().parseFromString(data.excerpt, "text/html")
      .body.textContent;
    item.append(heading);
    if (data.meta.date) {
      const when = document.createElement("p");
      when.className = "meta";
      when.textContent = data.meta.date;
      item.append(when);
    }
    item.append(excerpt);
    return item;
  }

  async function run() {
    const text = query.value.trim();
    const chosen = {};
    if (topic.value) chosen.topic = topic.value;
    if (provider.value) chosen.provider = provider.value;
    if (!text && !Object.keys(chosen).length) {
      list.replaceChildren();
      status.textContent = "Type a word to search every article.";
      return;
    }
    status.textContent = "Searching…";
    const sort = { date: "desc" };
    const found = await pagefind.search(text || null, { filters: chosen, sort });
    const newest = [];
    for (const name of bundles) {
      if (newest.length >= 50 || newest.length >= found.results.length) break;
      const month = await pagefind.search(text || null, { filters: { ...chosen, bundle: name }, sort });
      newest.push(...month.results.slice(0, 50 - newest.length));
    }
    const shown = await Promise.all(newest.map((result) => result.data()));
    list.replaceChildren(...shown.map(entry));
    const count = found.results.length;
    status.textContent = count === 0 ? "No articles found."
      : `${count} article${count === 1 ? "" : "s"} found` + (count > 50 ? "; the 50 newest shown." : ".");
  }

  function remember() {
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) next.set(key, value);
    window.history.replaceState(null, "", "?" + next.toString());
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); remember(); run(); });
  topic.addEventListener("change", () => { remember(); run(); });
  provider.addEventListener("change", () => { remember(); run(); });
  run();
})();
