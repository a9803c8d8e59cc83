import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import type { Fetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './explorer.css';

/**
 * The gateway's offline explorer: GraphiQL with its schema docs, history and headers panel, every
 * asset served by the gateway itself. In development the gateway puts a fresh read-only token in a
 * meta tag of the page (never in a script: the content security policy admits no inline code),
 * and the headers panel starts with it, as Apollo Sandbox's shared headers do.
 */
const preset = document
  .querySelector<HTMLMetaElement>('meta[name="kx-preset-authorization"]')
  ?.getAttribute('content');

/**
 * GraphiQL hands over the headers panel's contents; its first schema request can come before the
 * panel exists and carries no headers at all, and then the preset stands in for them.
 */
const fetcher: Fetcher = async (params, options) => {
  const headers = options?.headers ?? (preset ? { Authorization: preset } : {});
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(params),
  });
  return response.json();
};

const DEFAULT_QUERY = `# 科创金融数据交换 · Kechuang Exchange
# The headers panel below carries the token the gateway checks.

query Banks {
  banks {
    id
    name
    kind
  }
}
`;

function Explorer() {
  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      headers={preset ? JSON.stringify({ Authorization: preset }, null, 2) : undefined}
      defaultEditorToolsVisibility={preset ? 'headers' : true}
      shouldPersistHeaders={false}
    >
      <GraphiQL.Logo>
        <span className="kx-logo">科创金融数据交换</span>
      </GraphiQL.Logo>
      <GraphiQL.Footer>
        <nav className="kx-footer">
          <a href="/console/">Console · 控制台</a>
          {' · '}
          <a href="/sandbox" title="Loads Apollo's hosted Sandbox: needs the internet">
            Apollo Sandbox (online only · 需联网)
          </a>
        </nav>
      </GraphiQL.Footer>
    </GraphiQL>
  );
}

createRoot(document.getElementById('explorer')!).render(<Explorer />);
