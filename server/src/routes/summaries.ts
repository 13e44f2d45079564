/**
 * What each route does, in a sentence, for the OpenAPI document and the API reference made
 * from it (docs/api.md). The tag is the route's first path segment. A route missing here
 * fails the reference's check (scripts/docs.js --check).
 */
export const ROUTE_SUMMARIES: Record<string, string> = {
  'GET /status': 'The service: version, mode, platform, user, capabilities, Jupyter state, current flavor.',
  'GET /flavors': 'The flavors, the current one, whether switching is possible (and why not), the last switch.',
  'GET /flavors/current': 'The flavor the notebook server runs under.',
  'POST /flavors/switch':
    'Starts a switch of the notebook server to another flavor (202); 404 unknown flavor, 409 does not fit, already current, a switch under way, or not switchable here.',
  'GET /flavors/switch': 'The switch under way, or the last one.',
  'GET /flavors/usage': 'Live CPU, memory and GPU use of the notebook server and its kernels.',
  'GET /jupyter': 'The state of the Jupyter server (`external` where Atelier does not own it).',
  'POST /jupyter/restart': 'Restarts the Jupyter server the gateway owns (202); 409 beside a server it does not own.',
  'GET /storage/endpoints': 'The configured storage endpoints.',
  'GET /storage/endpoints/{endpoint}/buckets': "An endpoint's buckets.",
  'POST /storage/endpoints/{endpoint}/buckets': 'Creates a bucket.',
  'GET /storage/endpoints/{endpoint}/buckets/{bucket}/objects':
    'One page of a listing: folders (common prefixes) and objects in key order; `nextToken` goes back as `pageToken`.',
  'DELETE /storage/endpoints/{endpoint}/buckets/{bucket}/objects':
    'Deletes one object (`key`), or a folder and everything in it (`prefix`).',
  'GET /storage/endpoints/{endpoint}/buckets/{bucket}/stat': "An object's size, time, ETag and CRC-32 (where kept).",
  'GET /storage/endpoints/{endpoint}/buckets/{bucket}/object':
    "The object's bytes (inert: sandbox CSP, nosniff); `download` as a file, `preview` up to the preview limit (413 above).",
  'PUT /storage/endpoints/{endpoint}/buckets/{bucket}/object':
    'The request body becomes the object, streamed and verified; 409 when taken and `overwrite` is false.',
  'POST /storage/uploads': 'Opens a resumable upload: its id, part size and the parts already received.',
  'GET /storage/uploads/{id}': 'The state of a resumable upload.',
  'DELETE /storage/uploads/{id}': 'Abandons a resumable upload.',
  'POST /storage/uploads/{id}/complete': 'Assembles the object from the parts (409 while parts are missing).',
  'PUT /storage/uploads/{id}/parts/{part}': 'One part: exactly the part size, but the last.',
  'POST /storage/endpoints/{endpoint}/buckets/{bucket}/folders': 'Creates an empty folder.',
  'GET /storage/endpoints/{endpoint}/buckets/{bucket}/count': 'The number of objects and bytes under a prefix.',
  'POST /storage/endpoints/{endpoint}/buckets/{bucket}/copy':
    'Copies or moves an object, or a folder when `from` ends with `/`, within a bucket or to another.',
  'GET /transfers': 'The transfers, running and finished.',
  'POST /transfers':
    'Starts a transfer between the workspace and storage (a file or a folder, either way); 4xx before anything moves.',
  'GET /transfers/events': 'Server-sent events: one `transfer` event per change (send `Accept: text/event-stream`).',
  'GET /transfers/{id}': 'One transfer and its progress.',
  'DELETE /transfers/{id}': 'Forgets a finished transfer.',
  'POST /transfers/{id}/stop': 'Stops a transfer; nothing partial is left behind.',
  'GET /jobs/flavors': 'What a job may choose: flavors, executor, whether it may span nodes.',
  'GET /jobs':
    'One page of the training jobs, filtered and sorted (newest first by default); `next` is the cursor of the page after it.',
  'POST /jobs': 'Submits a training job (201); a 400 names the `field` at fault.',
  'GET /jobs/events': 'Server-sent events: `job` on every change of a job, `removed` with the id of a deleted one.',
  'GET /jobs/{id}': 'One job: its spec, flavor, executor and status with the timeline.',
  'DELETE /jobs/{id}': 'Deletes a finished job with its folder.',
  'POST /jobs/{id}/stop': 'Stops a job (SIGTERM, then SIGKILL after the grace period; scancel on Slurm).',
  'GET /jobs/{id}/logs':
    'The log from an offset (never cutting a UTF-8 character), or all of it as a file (`download`).',
  'GET /jobs/{id}/logs/stream': 'Server-sent events: `log` as the log grows, `end` with the job once it has finished.',
  'GET /jobs/{id}/metrics':
    'The metrics the job has reported so far (log lines and its metrics file): a series of (step, value) per metric, at most 1,000 points each (thinned evenly).',
  'GET /jobs/{id}/metrics/stream':
    'Server-sent events: `metrics` (as the GET answers) at once and whenever they change, `end` once the job has finished and all was read.',
  'GET /jobs/{id}/files/{*}': 'A file the job wrote into its folder, e.g. `output.ipynb` or `outputs/…`.'
};
