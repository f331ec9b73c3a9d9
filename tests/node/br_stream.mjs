// Node's built-in fetch streaming an SSE chat answer from $GATEWAY_URL$STREAM_PATH; Node asks
// for br first (accept-encoding "br, gzip, deflate") and decodes it itself. Prints one JSON
// line: the status, the content-encoding it got, the decoded events and when each arrived (ms
// after the first).
const url = `${process.env.GATEWAY_URL}${process.env.STREAM_PATH}`;
const r = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-fake-gap-ms': process.env.GAP_MS || '100' },
  body: JSON.stringify({ model: 'm', stream: true,
    messages: [{ role: 'user', content: process.env.PROMPT || 'hello from node' }] }),
});
const reader = r.body.getReader();
const decoder = new TextDecoder();
const arrivals = [];
let text = '';
let t0 = null;
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  const now = performance.now();
  if (t0 === null) t0 = now;
  arrivals.push(Math.round(now - t0));
  text += decoder.decode(value, { stream: true });
}
console.log(JSON.stringify({ status: r.status, encoding: r.headers.get('content-encoding'),
  events: text.split('\n\n').filter(Boolean), arrivals }));
