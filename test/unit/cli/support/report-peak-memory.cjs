// Preloaded into a CLI child (`node -r`) by the bounded runs: writes the process's peak resident
// memory (KiB, from getrusage) to $BLIXARD_PEAK_RSS_FILE as it exits, however it exits normally.
const { writeFileSync } = require('node:fs');
const file = process.env.BLIXARD_PEAK_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
