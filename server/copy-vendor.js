// Copy the built browser files of the npm dependencies into the Flask static folder, so the
// web UI serves them itself (no CDN; works offline). Run after `npm ci` in this folder:
//   npm ci && node copy-vendor.js      (or: npm run vendor)
const fs = require("fs");
const path = require("path");

const dest = path.resolve(__dirname, "..", "src", "spacekg", "server", "static", "vendor");
const files = {
  "@zazuko/yasgui/build/yasgui.min.js": "yasgui.min.js",
  "@zazuko/yasgui/build/yasgui.min.css": "yasgui.min.css",
  "cytoscape/dist/cytoscape.min.js": "cytoscape.min.js",
};
fs.mkdirSync(dest, { recursive: true });
for (const [src, name] of Object.entries(files)) {
  const from = path.join(__dirname, "node_modules", src);
  if (!fs.existsSync(from)) {
    console.error(`missing ${from}: run "npm ci" in ${__dirname} first`);
    process.exit(1);
  }
  fs.copyFileSync(from, path.join(dest, name));
  console.log(`copied ${src} -> ${path.relative(process.cwd(), path.join(dest, name))}`);
}
