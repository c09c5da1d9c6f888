// Preloaded into the tap by sync.mjs (node --require): reports the process's peak RSS on exit.
const { writeSync } = require("node:fs");

process.on("exit", () => {
  writeSync(2, `\nbench-maxrss-kb ${process.resourceUsage().maxRSS}\n`);
});
