/** What a person opening the hub's root sees until the console is served here. */
export const landingPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tandem</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2330}code{background:#eef1f5;padding:.1rem .3rem;border-radius:4px}</style>
</head>
<body>
<h1>Tandem</h1>
<p>The collaborative CRM integration hub of the manufacturer, its dealers and interaction centers.</p>
<ul>
<li><a href="/graphql">GraphQL API</a> (GraphiQL in development)</li>
<li><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></li>
</ul>
<p>Get a token: <code>pnpm tandem token --party dealer-berlin --role dealer_staff</code></p>
</body>
</html>
`;
