// Summarises a V8 CPU profile (node --cpu-prof): self time by package and by function. Usage: node bench/profile/top.mjs <dir-with-.cpuprofile> [rows]
import fs from 'node:fs';
const dir = process.argv[2];
const f = fs.readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
const p = JSON.parse(fs.readFileSync(dir + '/' + f));
const ids = p.samples;
const deltas = p.timeDeltas;
const self = new Map();
for (let i = 0; i < ids.length; i++) self.set(ids[i], (self.get(ids[i]) ?? 0) + deltas[i]);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const agg = new Map();
let total = 0;
for (const [id, t] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(packages|node_modules)\//, '$1/')}:${cf.lineNumber}`;
  agg.set(k, (agg.get(k) ?? 0) + t);
  total += t;
}
// inclusive by package
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const pkg = new Map();
for (const [id, t] of self) {
  const u = byId.get(id).callFrame.url;
  const m = /(packages\/[\w-]+|node_modules\/(@[\w-]+\/)?[\w.-]+)/.exec(u);
  const k = m ? m[1] : u ? 'other' : byId.get(id).callFrame.functionName;
  pkg.set(k, (pkg.get(k) ?? 0) + t);
}
console.log('total ms', (total / 1000).toFixed(0));
for (const [k, t] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 14))
  console.log((t / 1000).toFixed(0).padStart(7), k);
console.log('--- self');
for (const [k, t] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, +process.argv[3] || 40))
  console.log((t / 1000).toFixed(0).padStart(7), k);
