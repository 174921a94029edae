// Gzip size of the built app: what the first page load fetches (index.html and the
// assets it links) and everything in its assets/, lazy chunks included.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const dist = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), "..", "..", "src", "bolttickets", "web");
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

const html = readFileSync(path.join(dist, "index.html"), "utf8");
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const assets = readdirSync(path.join(dist, "assets")).filter((f) => /\.(js|css)$/.test(f));

let initialTotal = gz(path.join(dist, "index.html"));
for (const file of initial) initialTotal += gz(path.join(dist, file));
let allTotal = gz(path.join(dist, "index.html"));
const rows = assets.map((file) => {
  const size = gz(path.join(dist, "assets", file));
  allTotal += size;
  return { file, size, initial: initial.includes(`assets/${file}`) };
});

for (const row of rows.sort((a, b) => b.size - a.size)) {
  console.log(`${row.initial ? "initial" : "lazy   "}  ${kb(row.size).padStart(9)}  ${row.file}`);
}
console.log(`first load (index.html + linked JS/CSS), gzip: ${kb(initialTotal)}`);
console.log(`whole app (all chunks), gzip: ${kb(allTotal)}`);
