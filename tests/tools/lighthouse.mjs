// Lighthouse on several pages, one after another in one Chrome (CHROME_PATH), each with the
// CLI's defaults (mobile, simulated throttling, storage reset before each page). Usage:
// node lighthouse.mjs NODE_MODULES_URL CATEGORIES FILE URL [FILE URL]...: each URL's JSON
// report is written to the FILE before it.
const [,, modules, categories, ...pairs] = process.argv;
const { default: lighthouse } = await import(`${modules}/lighthouse/core/index.js`);
const { launch } = await import(`${modules}/chrome-launcher/dist/index.js`);
const { writeFileSync } = await import("node:fs");
const chrome = await launch({
  chromePath: process.env.CHROME_PATH, chromeFlags: ["--headless=new", "--no-sandbox"] });
try {
  for (let index = 0; index < pairs.length; index += 2) {
    const [file, url] = pairs.slice(index, index + 2);
    const result = await lighthouse(url, {
      port: chrome.port, output: "json", logLevel: "error",
      onlyCategories: categories.split(",") });
    writeFileSync(file, result.report);
  }
} finally {
  await chrome.kill();
}
