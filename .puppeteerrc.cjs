// Puppeteer (used only by `npm run diagrams`, through @mermaid-js/mermaid-cli) never downloads a browser:
// it drives Debian's Chromium (`apt-get install chromium`).
module.exports = { skipDownload: true, executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium' };
