// Three fetch-based clients of an OpenAI-compatible gateway at $GATEWAY_URL: Node's built-in
// fetch, the openai npm package (streamed chat) and the Vercel AI SDK's streamText. Prints one
// JSON line with what each got. `node clients.mjs fetch,openai` picks clients. With
// CLIENTS_EXIT_ZERO=1 a failure is printed and the exit code is 0 (to see vcrproxy's own code).
const base = process.env.GATEWAY_URL;
const key = process.env.TEST_API_KEY || 'test-key';
const which = (process.argv[2] || 'fetch,openai,ai').split(',');
const out = {};
try {
  if (which.includes('fetch')) {
    const r = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello from fetch' }] }),
    });
    out.fetch = { status: r.status, body: await r.json() };
  }
  if (which.includes('openai')) {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hello from openai' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    out.openai = text;
  }
  if (which.includes('ai')) {
    const { streamText } = await import('ai');
    const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
    const provider = createOpenAICompatible({ name: 'gw', baseURL: `${base}/v1`, apiKey: key });
    const result = streamText({ model: provider('m'), prompt: 'hello from the ai sdk', maxRetries: 0 });
    let text = '';
    for await (const part of result.textStream) text += part;
    out.ai = text;
  }
} catch (e) {
  out.error = String(e && e.cause ? `${e.message}: ${e.cause.code || e.cause.message}` : e);
  if (process.env.CLIENTS_EXIT_ZERO !== '1') {
    console.log(JSON.stringify(out));
    process.exit(1);
  }
}
console.log(JSON.stringify(out));
