#!/usr/bin/env node
/**
 * The API and configuration references, made from the schemas (the compiled service in
 * server/lib): docs/api.md from the OpenAPI document the service serves, docs/configuration.md
 * from the configuration schema. `--check` fails when a reference is not what the schemas say
 * (the test command runs it), or when a route has no summary.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const lib = name => require(path.join(REPO, 'server', 'lib', name));

/** A schema's type in a few words: string, integer ≥ 1, "a" | "b", array of object… */
function typeOf(schema) {
  if (!schema) {
    return '';
  }
  if (schema.const !== undefined) {
    return JSON.stringify(schema.const);
  }
  if (schema.enum) {
    return schema.enum.map(v => JSON.stringify(v)).join(' \\| ');
  }
  const variants = schema.anyOf || schema.oneOf;
  if (variants) {
    return variants.map(typeOf).join(' \\| ');
  }
  if (schema.type === 'array') {
    return `array of ${typeOf(schema.items)}`;
  }
  const bounds = [];
  if (schema.minimum !== undefined) {
    bounds.push(`≥ ${schema.minimum}`);
  }
  if (schema.exclusiveMinimum !== undefined) {
    bounds.push(`> ${schema.exclusiveMinimum}`);
  }
  if (schema.maximum !== undefined) {
    bounds.push(`≤ ${schema.maximum}`);
  }
  if (schema.pattern) {
    bounds.push(`matching \`${schema.pattern.replace(/\|/g, '\\|')}\``);
  }
  return [Array.isArray(schema.type) ? schema.type.join(' \\| ') : schema.type || 'any', ...bounds].join(' ');
}

const cell = text =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

function fieldsTable(properties, required = []) {
  const rows = Object.entries(properties || {}).map(
    ([name, s]) =>
      `| \`${name}\`${required.includes(name) ? '' : '?'} | ${typeOf(s)} | ${s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : ''} | ${cell(s.description)} |`
  );
  return rows.length ? ['| field | type | default | meaning |', '| --- | --- | --- | --- |', ...rows] : [];
}

function apiReference(doc, prefix) {
  const out = [
    '# API reference',
    '',
    '<!-- Made by scripts/docs.js from the OpenAPI document the service serves; do not edit. -->',
    '',
    `${doc.info.description}`,
    '',
    `The service serves this as OpenAPI 3 at \`{base_url}atelier/api/v1/openapi.json\`. Paths below are`,
    'relative to `{base_url}atelier/api/v1`. Errors are `{message, code, field?}` with a 4xx or 5xx',
    'status; `message` is for a person.',
    ''
  ];
  const missing = [];
  for (const tag of doc.tags) {
    out.push(`## ${tag.name}`, '', `${tag.description}.`, '');
    for (const [route, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!(op.tags || []).includes(tag.name)) {
          continue;
        }
        const rel = route.slice(prefix.length);
        if (!op.summary) {
          missing.push(`${method.toUpperCase()} ${rel}`);
        }
        out.push(`### \`${method.toUpperCase()} ${rel}\``, '', op.summary || '', '');
        const query = (op.parameters || []).filter(p => p.in === 'query');
        if (query.length) {
          out.push(
            'Query:',
            '',
            ...fieldsTable(
              Object.fromEntries(
                query.map(p => [p.name, { ...p.schema, description: p.description ?? p.schema?.description }])
              ),
              query.filter(p => p.required).map(p => p.name)
            ),
            ''
          );
        }
        const body = op.requestBody?.content?.['application/json']?.schema;
        if (body?.properties) {
          out.push('Body (JSON):', '', ...fieldsTable(body.properties, body.required), '');
        }
        const answers = Object.entries(op.responses || {}).map(
          ([code, r]) =>
            `\`${code}\`${r.description && r.description !== 'Default Response' ? ` ${r.description}` : ''}`
        );
        if (answers.length) {
          out.push(`Answers: ${answers.join(', ')}.`, '');
        }
      }
    }
  }
  return { text: out.join('\n'), missing };
}

function configReference(schema, envOverrides, otherEnvironment) {
  const envOf = new Map(Object.entries(envOverrides).map(([name, { key }]) => [key.join('.'), name]));
  const rows = [];
  const walk = (node, keyPath) => {
    for (const [name, s] of Object.entries(node.properties || {})) {
      const key = [...keyPath, name].join('.');
      if (s.type === 'object' && s.properties) {
        walk(s, [...keyPath, name]);
        continue;
      }
      if (s.type === 'array' && s.items?.properties) {
        rows.push(
          `| \`${key}\` | array of objects, each: | ${s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : ''} | ${cell(s.description)} |`
        );
        walk(s.items, [...keyPath, `${name}[]`]);
        continue;
      }
      const env = envOf.get(key);
      rows.push(
        `| \`${key}\` | ${typeOf(s)} | ${s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : ''} | ${cell(s.description)}${env ? ` Environment: \`${env}\`.` : ''} |`
      );
    }
  };
  walk(schema, []);
  return [
    '# Configuration reference',
    '',
    '<!-- Made by scripts/docs.js from the configuration schema (server/src/config.ts); do not edit. -->',
    '',
    'One file, JSON or YAML, named by `--config` or `ATELIER_CONFIG`; every key is optional.',
    'Environment variables override the file, command-line flags override both. Secrets are never',
    'kept here: credentials come from the environment or a file of mode 0600 (see the endpoint keys).',
    '',
    '| key | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Other environment variables',
    '',
    '| variable | meaning |',
    '| --- | --- |',
    ...Object.entries(otherEnvironment).map(([name, text]) => `| \`${name}\` | ${cell(text)} |`),
    ''
  ].join('\n');
}

async function main() {
  const check = process.argv.includes('--check');
  const { loadConfig, ConfigSchema, ENV_OVERRIDES, OTHER_ENVIRONMENT } = lib('config');
  const { createLogger } = lib('logger');
  const { AtelierService } = lib('service');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-docs-'));
  let doc;
  try {
    const config = loadConfig({
      env: {},
      overrides: { port: 0, host: '127.0.0.1', dataDir: path.join(root, 'data'), workspace: root }
    });
    const service = await AtelierService.start({ mode: 'sidecar', config, logger: createLogger('silent') });
    doc = service.app.swagger();
    await service.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const api = apiReference(doc, '/atelier/api/v1');
  const files = {
    'docs/api.md': api.text.replace(/\n+$/, '\n'),
    'docs/configuration.md': configReference(ConfigSchema, ENV_OVERRIDES, OTHER_ENVIRONMENT)
  };
  let ok = true;
  if (api.missing.length) {
    console.error(`Routes without a summary (server/src/routes/summaries.ts): ${api.missing.join(', ')}`);
    ok = false;
  }
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(REPO, file);
    if (check) {
      const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
      if (current !== text) {
        console.error(`${file} is not what the schemas say: run node scripts/docs.js`);
        ok = false;
      }
    } else {
      fs.writeFileSync(target, text);
      console.log(`wrote ${file}`);
    }
  }
  return ok ? 0 : 1;
}

main().then(
  code => process.exit(code),
  e => {
    console.error(e);
    process.exit(1);
  }
);
