#!/usr/bin/env node
/*
 * The least a Node process in front of Jupyter can do: every request piped to the target
 * over a kept-alive connection, the answer piped back, nothing checked, no headers changed.
 * bench/gateway.js runs it beside the gateway, so the cost of any second HTTP hop in its own
 * process on the machine at hand is measured in the same run as the gateway's.
 *
 *   node bench/lib/bare-pipe.js TARGET_URL   (prints the port it listens on; ends with its stdin)
 */
const http = require('http');

const target = new URL(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const server = http.createServer((req, res) => {
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.rawHeaders, agent },
    answer => {
      res.writeHead(answer.statusCode, answer.rawHeaders);
      answer.pipe(res);
    }
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
// Stops with the benchmark that started it.
process.stdin.on('end', () => process.exit(0)).resume();
