/**
 * The API describes itself: an OpenAPI 3 document made from the routes' schemas, behind the
 * same authentication as the rest of the API.
 */
import { request, startSidecar } from '../support/atelier';

let svc: Awaited<ReturnType<typeof startSidecar>>;

beforeAll(async () => {
  svc = await startSidecar();
});

afterAll(async () => {
  await svc?.close();
});

it('serves an OpenAPI 3 document of every route, each with a summary and a tag', async () => {
  const res = await request(`${svc.api}openapi.json`);
  expect(res.status).toBe(200);
  const doc = res.json();
  expect(doc.openapi).toBe('3.0.3');
  expect(doc.info.title).toBe('Atelier API');
  const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([route, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ route, method, op }))
  );
  expect(operations.length).toBeGreaterThan(35);
  for (const { route, method, op } of operations) {
    expect([`${method} ${route}`, typeof op.summary, op.tags?.length]).toEqual([`${method} ${route}`, 'string', 1]);
  }
  const submit = doc.paths['/atelier/api/v1/jobs'].post;
  expect(Object.keys(submit.requestBody.content['application/json'].schema.properties)).toEqual(
    expect.arrayContaining(['name', 'bootFile', 'parameters', 'flavorId'])
  );
  const listing = doc.paths['/atelier/api/v1/storage/endpoints/{endpoint}/buckets/{bucket}/objects'].get;
  expect(listing.parameters.map((p: { name: string }) => p.name)).toEqual(
    expect.arrayContaining(['prefix', 'pageToken', 'limit'])
  );
});
