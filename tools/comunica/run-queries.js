// Runs SPARQL queries with Comunica in one Node process (start-up once, not per query).
// stdin: {"sources": ["http://…/fragments" | "sparql@http://…/sparql"], "datetime": ISO date or null,
//         "queries": [{"name": …, "text": …}]}
// stdout: one JSON line per query: {"name", "ms", "requests", "results": SPARQL JSON results} or {"name", "error"}.
// Every query starts with an empty HTTP cache, so "requests" is what one cold query costs the server.
'use strict';
const { QueryEngine } = require('@comunica/query-sparql');

// Memento datetime negotiation (RFC 7089) as Comunica's own ActorHttpMemento does it: the published
// @comunica/query-sparql 5 has no Memento actor, so `-d` alone sends no Accept-Datetime.
function countingFetch(datetime, counter) {
  return async (input, init) => {
    const headers = new Headers(init && init.headers);
    if (datetime) {
      headers.set('accept-datetime', datetime.toUTCString());
    }
    counter.requests += 1;
    const response = await fetch(input, { ...init, headers });
    const link = response.headers.get('link') || '';
    const timegate = /<([^>]*)>\s*;[^,]*rel="?timegate"?/u.exec(link);
    if (datetime && !response.headers.has('memento-datetime') && timegate) {
      counter.requests += 1;
      return fetch(new URL(timegate[1], response.url).href, { ...init, headers });
    }
    return response;
  };
}

function source(text) {
  return text.startsWith('sparql@') ? { type: 'sparql', value: text.slice('sparql@'.length) } : text;
}

async function readAll(stream) {
  let text = '';
  for await (const chunk of stream) {
    text += chunk;
  }
  return text;
}

async function runOne(engine, job, query) {
  const counter = { requests: 0 };
  const datetime = job.datetime ? new Date(job.datetime) : undefined;
  await engine.invalidateHttpCache();
  const started = performance.now();
  const result = await engine.query(query.text, {
    sources: job.sources.map(source), fetch: countingFetch(datetime, counter), lenient: false,
  });
  const { data } = await engine.resultToString(result, 'application/sparql-results+json');
  const results = JSON.parse(await readAll(data));
  return { name: query.name, ms: performance.now() - started, requests: counter.requests, results };
}

async function main() {
  const job = JSON.parse(await readAll(process.stdin));
  const engine = new QueryEngine();
  for (const query of job.queries) {
    let line;
    try {
      line = await runOne(engine, job, query);
    } catch (error) {
      line = { name: query.name, error: String(error && error.stack || error) };
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
