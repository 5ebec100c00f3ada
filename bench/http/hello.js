// HTTP hello world in plain Node, the baseline of bench/http.mjs.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end('hello world');
});
server.listen(0, '127.0.0.1', () => console.log('listening', server.address().port));
