/**
 * How this machine's Chromium is launched, for the browser tests and the benchmarks alike:
 * Debian's binary (browsers cannot be downloaded here) and the flags it needs here.
 */
module.exports = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync'
  ]
};
