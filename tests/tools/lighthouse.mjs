// Lighthouse on several pages with its Node API and the CLI's defaults (mobile, simulated
// throttling): one Node process, and a fresh Chrome (CHROME_PATH) for each page, as the
// CLI would launch. Usage: node lighthouse.mjs LIGHTHOUSE_PACKAGE_URL CATEGORIES FILE URL
// [FILE URL]...: each URL's JSON report is written to the FILE before it.
const [,, lighthouseUrl, categories, ...pairs] = process.argv;
const { createRequire } = await import("node:module");
const { pathToFileURL } = await import("node:url");
const { writeFileSync } = await import("node:fs");
const resolve = createRequire(lighthouseUrl + "/package.json").resolve;
const { default: lighthouse } = await import(pathToFileURL(resolve("lighthouse")).href);
// chrome-launcher as Lighthouse itself finds it.
const { launch } = await import(pathToFileURL(resolve("chrome-launcher")).href);
for (let index = 0; index < pairs.length; index += 2) {
  const [file, url] = pairs.slice(index, index + 2);
  const chrome = await launch({
    chromePath: process.env.CHROME_PATH, chromeFlags: ["--headless=new", "--no-sandbox"] });
  try {
    const result = await lighthouse(url, {
      port: chrome.port, output: "json", logLevel: "error",
      onlyCategories: categories.split(",") });
    writeFileSync(file, result.report);
  } finally {
    await chrome.kill();
  }
}
