// Reads an OHDF file the way Heimdall does (inspecjs, the parser Heimdall and saf share) and prints
// what Heimdall makes of it as one JSON object on stdout. Exit 1 with the parser's errors when
// inspecjs does not accept the file as an InSpec exec-json ("1_0_ExecJson") evaluation.
//   node tests/ohdf_consumer.js INSPECJS_DIR FILE
'use strict';
const fs = require('fs');
const inspecjs = require(process.argv[2]);

const text = fs.readFileSync(process.argv[3], 'utf8');
const parsed = inspecjs.convertFile(text, true);
if (!parsed['1_0_ExecJson']) {
  const errors = {};
  for (const [k, v] of Object.entries(parsed.errors || {})) errors[k] = String(v && v.message ? v.message : v);
  process.stdout.write(JSON.stringify({ok: false, errors}) + '\n');
  process.exit(1);
}
const ev = inspecjs.contextualizeEvaluation(parsed['1_0_ExecJson']);
const out = {ok: true, platform: ev.data.platform, profiles: []};
for (const p of ev.contains) {
  const controls = p.contains.map((c) => ({
    id: c.data.id,
    status: c.hdf.status, // Heimdall's control status (Passed, Failed, Not Reviewed, ...)
    severity: c.hdf.severity,
    nist: c.hdf.rawNistTags,
    title: c.data.title,
    message: c.hdf.message,
    results: (c.data.results || []).length,
    attested: c.hdf.attested,
    waived: c.hdf.waived,
    root: c.extendsFrom.length === 0 // Heimdall lists root controls only (same ids overlay each other)
  }));
  out.profiles.push({name: p.data.name, sha256: p.data.sha256, title: p.data.title, controls});
}
process.stdout.write(JSON.stringify(out) + '\n');
