// newsgen search page: Pagefind's JS API over the site's own index; nothing from another
// host. Results are newest first; the topic and provider lists narrow them.
//
// The index is one Pagefind bundle per month (data-bundles, newest first), merged here,
// each tagged with its month as a "bundle" filter. A merged search orders results by each
// bundle's own ranking, not by date across bundles; so the count comes from one search of
// them all, and the newest results from searching the months one by one, newest first.
// The newest month is also loaded alone, as a second copy of Pagefind (on the page's own
// thread: starting a worker would cost more than searching one month): a search of it
// loads that month's files only, and the merged index starts loading once its first
// results are shown, so that loading every month does not hold them back. The status
// line gives the count once everything, the topic and provider lists included, is in
// place.
const SHOWN = 50;
const FIRST = 10;
const UNAVAILABLE = "Search is not available on this copy of the site.";

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
  const params = new URLSearchParams(window.location.search);
  query.value = params.get("q") || "";
  choose(topic, params.get("topic"));
  choose(provider, params.get("provider"));
  if (!bundles.length) {
    status.textContent = UNAVAILABLE;
    return;
  }
  const folder = (name) => base + "pagefind/" + name + "/";
  let merging = null;
  function merged() {
    // Started by the first search, once the newest month has given what it has.
    if (merging === null) {
      merging = (async () => {
        const pagefind = await import(folder(bundles[0]) + "pagefind.js");
        await pagefind.options({ baseUrl: base, mergeFilter: { bundle: bundles[0] } });
        // Merged side by side, so that their files load at once; the merged order is
        // still the order of the calls.
        await Promise.all(bundles.slice(1).map((name) => pagefind.mergeIndex(
          folder(name), { baseUrl: base, mergeFilter: { bundle: name } })));
        return pagefind;
      })();
      merging.catch(() => { status.textContent = UNAVAILABLE; });
    }
    return merging;
  }
  const newestMonth = (async () => {
    // Its own address makes it a module of its own, with an index of its own.
    const pagefind = await import(folder(bundles[0]) + "pagefind.js?newest");
    await pagefind.options({ basePath: folder(bundles[0]), baseUrl: base, noWorker: true });
    return pagefind;
  })();
  newestMonth.catch(() => {});  // the merged index answers alone then
  let listing = null;
  function listed() {
    // The topic and provider lists load beside the merged index, not before a search.
    if (listing === null) {
      listing = merged().then((pagefind) => pagefind.filters()).then((filters) => {
        const before = [topic.value, provider.value];
        fill(topic, filters.topic || {});
        fill(provider, filters.provider || {});
        if (topic.value !== before[0] || provider.value !== before[1]) run();
      }).catch(() => {});
    }
    return listing;
  }

  function choose(select, value) {
    // A choice from the address, shown before the full list has loaded.
    if (!value) return;
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value;
    select.append(option);
    select.value = value;
  }

  function fill(select, counts) {
    const chosen = select.value;
    select.replaceChildren(select.options[0]);
    for (const name of Object.keys(counts).sort((a, b) => a.localeCompare(b))) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = `${name} (${counts[name]})`;
      select.append(option);
    }
    select.value = chosen;
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

  let latest = 0;
  async function run() {
    const mine = ++latest;
    const stale = () => mine !== latest;
    const text = query.value.trim();
    const chosen = {};
    if (topic.value) chosen.topic = topic.value;
    if (provider.value) chosen.provider = provider.value;
    if (!text && !Object.keys(chosen).length) {
      list.replaceChildren();
      status.textContent = "Type a word to search every article.";
      listed();  // no search to wait for: the lists load now
      return;
    }
    status.textContent = "Searching…";
    const sort = { date: "desc" };
    const options = { filters: chosen, sort };
    const early = newestMonth.then((month) => month.search(text || null, options))
      .catch(() => null);
    const newest = [];
    let shown = 0;
    async function show(upTo) {
      // Shows newest[shown..upTo]; false when a newer search has started meanwhile.
      const data = await Promise.all(newest.slice(shown, upTo).map((result) => result.data()));
      if (stale()) return false;
      if (shown === 0) list.replaceChildren();
      list.append(...data.map(entry));
      shown = upTo;
      return true;
    }
    let count;
    try {
      const first = await early;
      if (stale()) return;
      if (first !== null) {
        newest.push(...first.results.slice(0, SHOWN));
        // The first few are shown as soon as they are found, the rest once all are.
        if (newest.length >= FIRST && !(await show(FIRST))) return;
      }
      listed();
      const pagefind = await merged();
      if (stale()) return;
      count = (await pagefind.search(text || null, options)).results.length;
      for (const name of bundles.slice(first === null ? 0 : 1)) {
        if (stale() || newest.length >= Math.min(SHOWN, count)) break;
        const month = await pagefind.search(text || null, { filters: { ...chosen, bundle: name }, sort });
        newest.push(...month.results.slice(0, SHOWN - newest.length));
        if (!shown && newest.length >= FIRST && !(await show(FIRST))) return;
      }
      if (!(await show(newest.length))) return;
    } catch (error) {
      if (!stale()) {
        list.replaceChildren();
        status.textContent = UNAVAILABLE;
      }
      return;
    }
    await listed();
    if (stale()) return;
    status.textContent = count === 0 ? "No articles found."
      : `${count} article${count === 1 ? "" : "s"} found` + (count > SHOWN ? `; the ${SHOWN} newest shown.` : ".");
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
