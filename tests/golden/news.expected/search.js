// newsgen search page: Pagefind's JS API over the site's own index; nothing from another
// host. Results are newest first; the topic and provider lists narrow them. Those come with
// the page as JSON (#search-lists: each slug, the filter value the article pages give the
// index, with its name and how many stories it finds), and their options are made once
// the first results are shown, or when a list is first used: a thousand options made
// while the page loads would hold the results back.
//
// The index is one Pagefind bundle per month (data-bundles, newest first; data-sizes says
// how many stories each holds). A search goes through the months newest first, one at a
// time, and stops once it has SHOWN results to show, or once the months it went through
// hold STEP stories; "Show older articles" goes on from there. Each month is searched
// with a filter on its "bundle" (see indexFor); within a month, results come newest
// first. The status line counts the results in the months searched, and says since when.
// A month or a result that fails to load is tried again, in a new index, by the next
// search or press of the button.
const SHOWN = 50;
const FIRST = 10;
const STEP = 25000;
const UNAVAILABLE = "Search is not available on this copy of the site.";
const FAILED = "The search index did not load completely; try again.";

(async () => {
  const form = document.getElementById("search-form");
  if (!form) return;
  const query = form.elements.namedItem("q");
  const topic = form.elements.namedItem("topic");
  const provider = form.elements.namedItem("provider");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  const older = document.getElementById("search-older");
  const base = form.dataset.base || "/";
  const bundles = (form.dataset.bundles || "").split(" ").filter(Boolean);
  const sizes = (form.dataset.sizes || "").split(" ").map(Number);
  const listed = document.getElementById("search-lists");
  const lists = listed ? JSON.parse(listed.textContent) : {};
  const choices = [[topic, lists.topic || []], [provider, lists.provider || []]];
  const params = new URLSearchParams(window.location.search);
  query.value = params.get("q") || "";
  for (const [select, items] of choices) {
    choose(select, params.get(select.name), items);
    select.addEventListener("focus", fill);
  }
  if (!bundles.length) {
    status.textContent = UNAVAILABLE;
    return;
  }
  const folder = (name) => base + "pagefind/" + name + "/";
  // Pagefind's module, from the newest month's folder (every month's copy is the same),
  // loaded once; loaded again, from a fresh address, after it failed to load.
  let engine = null;
  let attempt = 0;
  function module() {
    if (engine === null) {
      const copy = attempt ? `?attempt=${attempt}` : "";
      engine = import(folder(bundles[0]) + "pagefind.js" + copy);
      engine.catch(() => { engine = null; attempt += 1; });
    }
    return engine;
  }
  // Two indexes, kept across searches (Pagefind never frees an index's memory): the head
  // holds the newest month alone and answers every search there; the archive holds the
  // newest month and each older month, merged into it when a search first reaches it, and
  // answers the searches that go further. Pagefind searches every month merged into an
  // index (a month's filter only drops the others' results), so a search that ends in the
  // newest month reads no other, and one that goes further also reads, in the archive,
  // each month an earlier search merged into it. (An index per month would read only the
  // months reached, but each new index waits about 50 ms for Pagefind to start: 1.2 s more
  // for a search through 24 months.) An index in which a part failed to load is not used
  // again: its months are loaded again, in a new one, by the next search or press.
  const indexes = { head: null, archive: null };
  function indexFor(place) {
    const kind = place === 0 ? "head" : "archive";
    if (indexes[kind] === null || indexes[kind].broken) {
      const index = { months: [], broken: false };
      index.months[0] = module().then(async (pagefind) => {
        const made = pagefind.createInstance({ basePath: folder(bundles[0]), baseUrl: base,
          // On the page's own thread: starting a worker costs more than searching a month.
          noWorker: true, mergeFilter: { bundle: bundles[0] } });
        // Rejects when the month failed to load (merging into it would wait for ever).
        await made.search("");
        return made;
      });
      index.months[0].catch(() => { index.broken = true; });
      indexes[kind] = index;
    }
    return indexes[kind];
  }
  function through(index, place) {
    // The index with the months up to `place` merged, one after the other.
    if (index.months[place] === undefined) {
      index.months[place] = through(index, place - 1).then(async (made) => {
        await made.mergeIndex(folder(bundles[place]),
          { baseUrl: base, mergeFilter: { bundle: bundles[place] } });
        return made;
      });
      index.months[place].catch(() => { index.broken = true; });
    }
    return index.months[place];
  }
  // Pagefind logs a part of a month that failed to load (a word's chunk, a filter) and
  // goes on without it, so that the month would find nothing: such a failure marks the
  // indexes that hold the month as broken at once, and a search in one of them then counts
  // as failed. (Pagefind fetches on the page's own thread here: from a worker, its
  // requests would not come through this.)
  const fetchFromSite = window.fetch.bind(window);
  function failed(address) {
    const month = /\/pagefind\/([^/]+)\/(?!fragment\/)/.exec(address);
    const place = month ? bundles.indexOf(month[1]) : -1;
    for (const index of [indexes.head, indexes.archive]) {
      if (index && place >= 0 && index.months[place] !== undefined) index.broken = true;
    }
  }
  window.fetch = async (resource, ...rest) => {
    const address = String(resource instanceof Request ? resource.url : resource);
    try {
      const response = await fetchFromSite(resource, ...rest);
      if (!response.ok) failed(address);
      return response;
    } catch (error) {
      failed(address);
      throw error;
    }
  };

  function option(value, label) {
    const made = document.createElement("option");
    made.value = value;
    made.textContent = label;
    return made;
  }

  function choose(select, value, items) {
    // The choice the address gives, a slug or a name (as addresses gave them before), shown
    // alone until the list is filled; one the list lacks (a topic gone since) is kept.
    if (!value) return;
    const item = items.find(([slug]) => slug === value) ||
      items.find(([, name]) => name === value);
    select.append(item ? option(item[0], `${item[1]} (${item[2]})`) : option(value, value));
    select.value = item ? item[0] : value;
  }

  let filled = false;
  function fill() {
    if (filled) return;
    filled = true;
    for (const [select, items] of choices) {
      const chosen = select.options[select.selectedIndex];
      const options = items.map(([slug, name, count]) => option(slug, `${name} (${count})`));
      const kept = chosen.value && !items.some(([slug]) => slug === chosen.value);
      select.replaceChildren(select.options[0], ...options, ...(kept ? [chosen] : []));
      select.value = chosen.value;
    }
  }
  function fillSoon() {
    // Once the results just added are painted.
    if (!filled) requestAnimationFrame(() => setTimeout(fill, 0));
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

  function monthName(bundle) {
    const [year, month] = bundle.split("-").map(Number);
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { year: "numeric", month: "long", timeZone: "UTC" })
      .format(new Date(Date.UTC(year, month - 1, 1)));
  }

  let latest = 0;
  let current = null;
  function run() {
    const text = query.value.trim();
    const chosen = {};
    if (topic.value) chosen.topic = topic.value;
    if (provider.value) chosen.provider = provider.value;
    more.hidden = true;
    // `pending`: the results found and not yet shown, each with the place of its month and
    // its index; `counts`: how many each month searched found; `seen`: the results shown.
    current = { mine: ++latest, text: text || null, chosen, next: 0, pending: [], counts: [],
      seen: new Set(), found: 0, shown: 0, busy: false };
    if (!text && !Object.keys(chosen).length) {
      list.replaceChildren();
      status.textContent = "Type a word to search every article.";
      fill();  // no search to wait for
      return;
    }
    status.textContent = "Searching…";
    go(current);
  }

  async function show(search, upTo) {
    // Shows the pending results until `upTo` are shown; false when a newer search started.
    const taken = search.pending.splice(0, upTo - search.shown);
    let data;
    try {
      data = await Promise.all(taken.map(({ result }) => result.data()));
    } catch (error) {
      // Pagefind keeps a result that failed to load as failed: the months from the first
      // result not shown on are searched again, in a new index, by the next press of the
      // button, and the results among them already shown are left out then.
      for (const { index } of taken) index.broken = true;
      const place = taken[0].place;
      for (let month = place; month < search.next; month += 1) {
        search.found -= search.counts[month];
      }
      search.pending = [];
      search.next = place;
      throw error;
    }
    if (search.mine !== latest) return false;
    if (search.shown === 0) list.replaceChildren();
    list.append(...data.map(entry));
    search.shown += taken.length;
    for (const { result } of taken) search.seen.add(result.id);
    fillSoon();
    return true;
  }

  async function go(search) {
    // Shows up to SHOWN more results, going through the months not searched yet as needed.
    const stale = () => search.mine !== latest;
    const goal = search.shown + SHOWN;
    let stories = 0;
    search.busy = true;
    older.setAttribute("aria-disabled", "true");
    try {
      while (search.shown + search.pending.length < goal && search.next < bundles.length &&
             stories < STEP) {
        const place = search.next;
        const index = indexFor(place);
        const pagefind = await through(index, place);
        if (stale()) return;
        const month = await pagefind.search(search.text, {
          filters: { ...search.chosen, bundle: bundles[place] }, sort: { date: "desc" } });
        if (index.broken) throw new Error("a part of the index did not load");
        if (stale()) return;
        search.next += 1;
        stories += sizes[place] || 0;
        search.counts[place] = month.results.length;
        search.found += month.results.length;
        search.pending.push(...month.results.filter((result) => !search.seen.has(result.id))
          .map((result) => ({ place, result, index })));
        // The first few are shown as soon as they are found, the rest once all are.
        if (search.shown === 0 && search.pending.length >= FIRST &&
            !(await show(search, FIRST))) return;
      }
      if (!(await show(search, goal))) return;
    } catch (error) {
      // What is shown stays, and the button goes on from the month that failed (the index
      // it failed in is marked broken already).
      if (!stale()) {
        if (!search.shown) list.replaceChildren();  // (an earlier search's results)
        status.textContent = FAILED;
        more.hidden = !search.shown;
      }
      return;
    } finally {
      search.busy = false;
      if (!current.busy) older.removeAttribute("aria-disabled");  // (not another's step)
      fillSoon();
    }
    const everything = search.next >= bundles.length;
    const since = everything ? "" : ` since ${monthName(bundles[search.next - 1])}`;
    status.textContent = search.found === 0 ? `No articles found${since}.`
      : `${search.found} article${search.found === 1 ? "" : "s"} found${since}` +
        (search.found > search.shown ? `; the ${search.shown} newest shown.` : ".");
    more.hidden = everything && !search.pending.length;
  }

  function remember() {
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) next.set(key, value);
    window.history.replaceState(null, "", "?" + next.toString());
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); remember(); run(); });
  topic.addEventListener("change", () => { remember(); run(); });
  provider.addEventListener("change", () => { remember(); run(); });
  older.addEventListener("click", async () => {
    const search = current;
    if (search === null || search.busy || search.mine !== latest) return;
    const before = search.shown;
    status.textContent = "Searching…";
    await go(search);
    if (search.mine === latest && more.hidden) {
      // The button is gone: the reader goes on from the first result it added (or the
      // last result, or the status line, when it added none).
      const links = list.querySelectorAll("li h2 a");
      (links[before] || links[links.length - 1] || status).focus();
    }
  });
  run();
})();
