-- wrk script: a mix of what crawlers, harvesters and people ask a Linked Data server for.
-- Used by bench/load.sh (long run), bench/load_mix.py (rebuilds during the load) and
-- tests/test_reliability_load.py (a few seconds).
--   wrk -s bench/load_mix.lua URL              the full mix below (resource pages, SPARQL, catalog, dumps)
--   wrk -s bench/load_mix.lua URL -- routes    the routes of issue 17's table (release-only pages first hit
--                                              by crawlers and harvesters, pages of the real graph)
-- Prints, at the end, one line per HTTP status ("STATUS 200 1234"), the latency percentiles in
-- microseconds, the requests slower than 1 s and the socket errors, so that a caller can parse them.

local function q(text)  -- percent-encode a query parameter
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local sparql_select = "PREFIX ikpe: <https://lod.ikpe-erfurt.de/def/ikpe#> " ..
  "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " ..
  "SELECT ?p ?label WHERE { ?p a ikpe:Project ; rdfs:label ?label } ORDER BY ?label LIMIT 20"
local sparql_count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
local sparql_construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 50"

local html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
requests = {
  -- resource pages in every format, negotiated and explicit
  {"GET", "/doc/project/thilik", html},
  {"GET", "/doc/project/thilik.ttl", nil},
  {"GET", "/doc/project/thilik.jsonld", nil},
  {"GET", "/doc/project/thilik.rdf", nil},
  {"GET", "/doc/project/thilik.nt", nil},
  {"GET", "/doc/gebietskoerperschaft/16051", "text/turtle"},
  {"GET", "/doc/gebietskoerperschaft/16051", "application/ld+json"},
  {"GET", "/doc/gebietskoerperschaft/16051", html},
  {"GET", "/doc/organisation/ikpe", "application/rdf+xml"},
  {"GET", "/doc/person/stefan-huber", html},
  {"GET", "/doc/person/stefan-huber.nt", nil},
  {"GET", "/id/project/vielfalt-leben", html},
  {"GET", "/list/project", html},
  {"GET", "/", html},
  {"GET", "/def/ikpe", "text/turtle"},
  -- SPARQL
  {"GET", "/sparql?query=" .. q(sparql_select), "application/sparql-results+json"},
  {"GET", "/sparql?query=" .. q(sparql_count), "text/csv"},
  {"POST", "/sparql", "text/turtle", "query=" .. q(sparql_construct)},
  -- catalog, VoID, dumps
  {"GET", "/catalog", nil},
  {"GET", "/catalog.ttl", nil},
  {"GET", "/catalog", html},
  {"GET", "/catalog/dataset/ikpe.ttl", nil},
  {"GET", "/.well-known/void", nil},
  {"GET", "/dumps/SHA256SUMS", nil},
}

-- issue 17, "Every route": the routes a harvester, a crawler and a visitor hit first
local routes = {
  {"GET", "/catalog.ttl", nil},
  {"GET", "/sitemap.xml", nil},
  {"GET", "/.well-known/void", nil},
  {"GET", "/def/ikpe", html},
  {"GET", "/catalog", nil},
  {"GET", "/", html},
  {"GET", "/list/gebietskoerperschaft", html},
  {"GET", "/doc/project/thilik", html},
  {"GET", "/doc/person/stefan-huber", html},
  {"GET", "/doc/person/stefan-huber.ttl", nil},
}

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  index = 0
  if args[1] == "routes" then requests = routes end
end

function request()
  index = index + 1
  local r = requests[(index % #requests) + 1]
  local headers = {}
  if r[3] then headers["Accept"] = r[3] end
  if r[1] == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", r[2], headers, r[4])
  end
  return wrk.format(r[1], r[2], headers)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      io.write(string.format("STATUS %d %d\n", status, n))
    end
  end
  io.write(string.format("LATENCY_US p50=%d p90=%d p99=%d max=%d mean=%d\n", latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  -- latency(i): the i-th distinct latency (microseconds) and how many requests took it; #latency of them
  local slow = 0
  for i = 1, #latency do
    local value, count = latency(i)
    if value > 1000000 then slow = slow + count end
  end
  io.write(string.format("SLOW_OVER_1S %d\n", slow))
  local e = summary.errors
  io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("TOTAL requests=%d seconds=%.2f\n", summary.requests, summary.duration / 1e6))
end
