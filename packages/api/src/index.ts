/**
 * The Atelier API contract: every request and response body of `atelier/api/v1`, as TypeBox
 * schemas. The service validates and serializes with them and derives its OpenAPI document
 * from them; the JupyterLab extension takes its types from them. Written once, here.
 */
export * from './common';
export * from './flavors';
export * from './jobs';
export * from './names';
export * from './status';
export * from './storage';
export * from './transfers';
export * from './uploads';
