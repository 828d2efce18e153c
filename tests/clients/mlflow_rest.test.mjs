// mlflow_rest.test.mjs -- `strata serve` against real MLflow clients: the
// npm `mlflow@2.0.7` client (experiments, runs, params, metrics, batches,
// tags, search, metric history, deletes), the Databricks SDK
// (`@databricks/sdk-experimental@0.17.0`, whose ExperimentsService and
// ModelRegistryService speak MLflow's REST API to any host with a PAT) for
// the model registry, and plain fetch following MLflow's protos for what
// neither client covers: aliases, proxied artifacts, DELETE with JSON
// bodies, query-string forms, error codes and HTTP statuses, unknown routes.
//
// One server runs for the whole file on a free port (`--port 0`, the real
// port parsed from its listening line) over a fresh warehouse; the last test
// stops it with SIGTERM and requires a clean exit with no sanitizer report.
//
//   STRATA_BIN=$PWD/build/strata node --test tests/clients/mlflow_rest.test.mjs
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MLflow from 'mlflow';
import { WorkspaceClient } from '@databricks/sdk-experimental';

const BIN = resolve(process.env.STRATA_BIN || 'build/strata');
const SANITIZER = /ERROR: (Leak|Address)Sanitizer|runtime error:|SUMMARY: .*Sanitizer/;

let server;   // { proc, url, warehouse, stderr(), exited }

// Starts `strata serve --port 0` and resolves once it prints its port.
function startServer() {
  const warehouse = mkdtempSync(join(tmpdir(), 'strata-serve-'));
  const proc = spawn(BIN, ['serve', '--port', '0', '--warehouse', warehouse],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no listening line; stderr: ${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^strata serve: listening on (http:\/\/127\.0\.0\.1:(\d+)) \(warehouse (.*)\)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ proc, url: m[1], port: Number(m[2]), warehouse, stderr: () => err, exited });
      }
    });
    exited.then(({ code }) => { clearTimeout(timer); rej(new Error(`server exited ${code}: ${err}`)); });
  });
}

// The npm client console.log()s every POST body: keep the test output readable.
async function quiet(fn) {
  const log = console.log;
  console.log = () => {};
  try { return await fn(); } finally { console.log = log; }
}

// The npm client's error: Error("Error: {status, statusText, data}").
async function npmError(fn) {
  try {
    await quiet(fn);
  } catch (e) {
    const m = /\{.*\}/s.exec(e.message);
    assert.ok(m, `unexpected error text ${e.message}`);
    return JSON.parse(m[0]);
  }
  assert.fail('expected the call to fail');
}

// Plain fetch of the REST API: returns {status, body (parsed JSON or null), headers}.
async function api(method, path, { body, query, prefix = '/api/2.0', raw } = {}) {
  let url = server.url + prefix + path;
  if (query) url += '?' + query;
  const init = { method, headers: {} };
  if (raw !== undefined) {
    init.body = raw;
  } else if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body: parsed, text, headers: r.headers };
}

// A request whose path is sent exactly as given (no URL normalization).
function rawRequest(method, path, body) {
  return new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path }, (resp) => {
      let text = '';
      resp.setEncoding('utf8');
      resp.on('data', (d) => { text += d; });
      resp.on('end', () => {
        let parsed = null;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        res({ status: resp.statusCode, body: parsed, text });
      });
    });
    req.on('error', rej);
    req.end(body);
  });
}

function mlflowClient() {
  return new MLflow({ endpoint: server.url });
}

function sdkClient() {
  return new WorkspaceClient({ host: server.url, token: 'dapi-strata-test', authType: 'pat' });
}

async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

before(async () => { server = await startServer(); });

after(async () => {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) {
    server.proc.kill('SIGKILL');
    await server.exited;
  }
  if (server) rmSync(server.warehouse, { recursive: true, force: true });
});

// ---- npm mlflow@2.0.7 ------------------------------------------------------------

test('npm mlflow: experiments create, list, get, update, tag, delete, restore', async () => {
  const ml = mlflowClient();
  const { experiment_id: id } = await quiet(() =>
    ml.Experiments.create({ name: 'npm-exp', artifact_location: undefined }));
  assert.match(id, /^[0-9]+$/);
  assert.notEqual(id, '0');

  const list = await ml.Experiments.list();
  const names = list.experiments.map((e) => e.name);
  assert.ok(names.includes('Default'), `Default missing from ${names}`);
  assert.ok(names.includes('npm-exp'));

  const got = await ml.Experiments.get({ experiment_id: id });
  assert.equal(got.experiment.experiment_id, id);
  assert.equal(got.experiment.name, 'npm-exp');
  assert.equal(got.experiment.lifecycle_stage, 'active');
  assert.equal(got.experiment.artifact_location, `mlflow-artifacts:/${id}`);
  assert.equal(typeof got.experiment.creation_time, 'number');

  await quiet(() => ml.Experiments.update({ experiment_id: id, new_name: 'npm-exp-renamed' }));
  // npm mlflow 2.0.7 posts to ".../experimentsset-experiment-tag" (a missing '/').
  await quiet(() => ml.Experiments.setExperimentTag({ experiment_id: id, key: 'team', value: 'ml' }));
  const renamed = await ml.Experiments.get({ experiment_id: id });
  assert.equal(renamed.experiment.name, 'npm-exp-renamed');
  assert.deepEqual(renamed.experiment.tags.filter((t) => t.key === 'team'), [{ key: 'team', value: 'ml' }]);

  await quiet(() => ml.Experiments.delete({ experiment_id: id }));
  const deleted = await ml.Experiments.get({ experiment_id: id });
  assert.equal(deleted.experiment.lifecycle_stage, 'deleted');
  const active = await ml.Experiments.list({ view_type: 'ACTIVE_ONLY' });
  assert.ok(!active.experiments.some((e) => e.experiment_id === id));
  const onlyDeleted = await ml.Experiments.list({ view_type: 'DELETED_ONLY' });
  assert.deepEqual(onlyDeleted.experiments.map((e) => e.experiment_id), [id]);
  await quiet(() => ml.Experiments.restore({ experiment_id: id }));
  assert.equal((await ml.Experiments.get({ experiment_id: id })).experiment.lifecycle_stage, 'active');

  const dup = await npmError(() => ml.Experiments.create({ name: 'npm-exp-renamed' }));
  assert.equal(dup.status, 400);
  assert.equal(dup.data.error_code, 'RESOURCE_ALREADY_EXISTS');
  const missing = await npmError(() => ml.Experiments.get({ experiment_id: '987654' }));
  assert.equal(missing.status, 404);
  assert.equal(missing.data.error_code, 'RESOURCE_DOES_NOT_EXIST');
});

test('npm mlflow: runs, params, metrics, batches, tags, update, search, history, delete', async () => {
  const ml = mlflowClient();
  const { experiment_id: exp } = await quiet(() => ml.Experiments.create({ name: 'npm-runs' }));
  const t0 = 1700000000000;
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const { run } = await quiet(() => ml.Runs.create({
      experiment_id: exp, user_id: 'alice', start_time: t0 + i * 1000,
      tags: [{ key: 'mlflow.runName', value: `run-${i}` }, { key: 'kind', value: i % 2 ? 'odd' : 'even' }],
    }));
    assert.equal(run.info.experiment_id, exp);
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.user_id, 'alice');
    assert.equal(run.info.start_time, t0 + i * 1000);
    assert.match(run.info.run_id, /^[0-9a-f]{32}$/);
    assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${exp}/${run.info.run_id}/artifacts`);
    runs.push(run.info.run_id);
  }
  const [r0, r1, r2] = runs;

  await quiet(async () => {
    await ml.Runs.logParameter({ run_id: r0, key: 'depth', value: '4' });
    await ml.Runs.logParameter({ run_id: r0, key: 'depth', value: '4' });   // same value: idempotent
    for (let step = 0; step < 3; step++)
      await ml.Runs.logMetric({ run_id: r0, key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step });
    await ml.Runs.logMetric({ run_id: r0, key: 'acc', value: 1, timestamp: t0, step: 0 });   // integer JSON number
    await ml.Runs.logBatch({
      run_id: r1,
      metrics: [{ key: 'acc', value: 0.75, timestamp: t0, step: 0 }, { key: 'loss', value: 0.4, timestamp: t0, step: 0 }],
      params: [{ key: 'depth', value: '6' }, { key: 'eta', value: '0.1' }],
      tags: [{ key: 'note', value: 'batch' }],
    });
    await ml.Runs.logBatch({ run_id: r2, metrics: [{ key: 'acc', value: 0.5, timestamp: t0, step: 0 }] });
    await ml.Runs.setTag({ run_id: r0, key: 'temp', value: 'x' });
    await ml.Runs.setTag({ run_id: r0, key: 'keep', value: 'y' });
    await ml.Runs.deleteTag({ run_id: r0, key: 'temp' });
  });
  const conflict = await npmError(() => ml.Runs.logParameter({ run_id: r0, key: 'depth', value: '5' }));
  assert.equal(conflict.status, 400);
  assert.equal(conflict.data.error_code, 'INVALID_PARAMETER_VALUE');

  const { run } = await ml.Runs.get({ run_id: r0 });
  const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m]));
  assert.equal(metrics.loss.value, 1 / 3);   // latest value per key
  assert.equal(metrics.loss.step, 2);
  assert.equal(metrics.acc.value, 1);
  assert.deepEqual(run.data.params, [{ key: 'depth', value: '4' }]);
  const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
  assert.equal(tags.keep, 'y');
  assert.equal(tags.temp, undefined);
  assert.equal(tags['mlflow.runName'], 'run-0');
  assert.equal(run.info.run_name, 'run-0');

  const batched = (await ml.Runs.get({ run_id: r1 })).run;
  assert.deepEqual(batched.data.params.map((p) => `${p.key}=${p.value}`).sort(), ['depth=6', 'eta=0.1']);
  assert.ok(batched.data.tags.some((t) => t.key === 'note' && t.value === 'batch'));

  const { run_info } = await quiet(() => ml.Runs.update({ run_id: r0, status: 'FINISHED', end_time: t0 + 5000 }));
  assert.equal(run_info.status, 'FINISHED');
  assert.equal(run_info.end_time, t0 + 5000);

  const hist = await ml.Metrics.getHistory({ run_id: r0, metric_key: 'loss' });
  assert.deepEqual(hist.metrics.map((m) => [m.step, m.value, m.timestamp]),
                   [[0, 1, t0], [1, 0.5, t0 + 1], [2, 1 / 3, t0 + 2]]);

  // Search: default order is start_time DESC.
  const all = await quiet(() => ml.Runs.search({ experiment_ids: [exp] }));
  assert.deepEqual(all.runs.map((r) => r.info.run_id), [r2, r1, r0]);
  const good = await quiet(() => ml.Runs.search({
    experiment_ids: [exp], filter: 'metrics.acc > 0.6', order_by: ['metrics.acc DESC'],
  }));
  assert.deepEqual(good.runs.map((r) => r.info.run_id), [r0, r1]);
  const byParam = await quiet(() => ml.Runs.search({ experiment_ids: [exp], filter: "params.depth = '6'" }));
  assert.deepEqual(byParam.runs.map((r) => r.info.run_id), [r1]);
  const finished = await quiet(() => ml.Runs.search({
    experiment_ids: [exp], filter: "attributes.status = 'FINISHED'",
  }));
  assert.deepEqual(finished.runs.map((r) => r.info.run_id), [r0]);
  const page = await quiet(() => ml.Runs.search({ experiment_ids: [exp], max_results: 2 }));
  assert.equal(page.runs.length, 2);
  assert.ok(page.next_page_token, 'a second page is announced');
  const page2 = await quiet(() => ml.Runs.search({ experiment_ids: [exp], max_results: 2, page_token: page.next_page_token }));
  assert.deepEqual(page2.runs.map((r) => r.info.run_id), [r0]);

  await quiet(() => ml.Runs.delete({ run_id: r2 }));
  assert.equal((await ml.Runs.get({ run_id: r2 })).run.info.lifecycle_stage, 'deleted');
  const afterDelete = await quiet(() => ml.Runs.search({ experiment_ids: [exp] }));
  assert.deepEqual(afterDelete.runs.map((r) => r.info.run_id), [r1, r0]);
  const deletedOnly = await quiet(() => ml.Runs.search({ experiment_ids: [exp], run_view_type: 'DELETED_ONLY' }));
  assert.deepEqual(deletedOnly.runs.map((r) => r.info.run_id), [r2]);
  const toDeleted = await npmError(() => ml.Runs.logMetric({ run_id: r2, key: 'x', value: 1, timestamp: t0, step: 0 }));
  assert.equal(toDeleted.status, 400);
  assert.equal(toDeleted.data.error_code, 'INVALID_PARAMETER_VALUE');
  await quiet(() => ml.Runs.restore({ run_id: r2 }));
  assert.equal((await ml.Runs.get({ run_id: r2 })).run.info.lifecycle_stage, 'active');

  const none = await npmError(() => ml.Runs.get({ run_id: '0'.repeat(32) }));
  assert.equal(none.status, 404);
  assert.equal(none.data.error_code, 'RESOURCE_DOES_NOT_EXIST');

  const arts = await ml.Artifacts.list({ run_id: r0 });
  assert.equal(arts.root_uri, `mlflow-artifacts:/${exp}/${r0}/artifacts`);
});

// ---- Databricks SDK: experiments and the model registry ------------------------------

test('databricks sdk: experiments service against a plain URL', async () => {
  const w = sdkClient();
  const { experiment_id } = await w.experiments.createExperiment({ name: 'sdk-exp', tags: [{ key: 'a', value: '1' }] });
  const byName = await w.experiments.getByName({ experiment_name: 'sdk-exp' });
  assert.equal(byName.experiment.experiment_id, experiment_id);
  assert.deepEqual(byName.experiment.tags, [{ key: 'a', value: '1' }]);
  const found = await collect(w.experiments.searchExperiments({ filter: "name LIKE 'sdk-%'" }));
  assert.deepEqual(found.map((e) => e.name), ['sdk-exp']);
  const { run } = await w.experiments.createRun({ experiment_id, run_name: 'sdk-run', start_time: 1700000000000 });
  assert.equal(run.info.run_name, 'sdk-run');
  await w.experiments.logMetric({ run_id: run.info.run_id, key: 'm', value: 2.5, timestamp: 1700000000001, step: 3 });
  await w.experiments.logParam({ run_id: run.info.run_id, key: 'p', value: 'v' });
  const hist = await collect(w.experiments.getHistory({ run_id: run.info.run_id, metric_key: 'm' }));
  assert.deepEqual(hist.map((m) => [m.value, m.step]), [[2.5, 3]]);
  await assert.rejects(() => w.experiments.getByName({ experiment_name: 'no-such-exp' }),
                       (e) => e.errorCode === 'RESOURCE_DOES_NOT_EXIST' && e.statusCode === 404);
});

test('databricks sdk: registered models, versions, stages, tags', async () => {
  const w = sdkClient();
  const ml = mlflowClient();
  const { experiment_id } = await quiet(() => ml.Experiments.create({ name: 'registry-exp' }));
  const { run } = await quiet(() => ml.Runs.create({ experiment_id, start_time: Date.now() }));
  const runId = run.info.run_id;
  const source = `${run.info.artifact_uri}/model`;

  const created = await w.modelRegistry.createModel({ name: 'churn', description: 'first', tags: [{ key: 'team', value: 'ml' }] });
  assert.equal(created.registered_model.name, 'churn');
  assert.equal(created.registered_model.description, 'first');
  await assert.rejects(() => w.modelRegistry.createModel({ name: 'churn' }),
                       (e) => e.errorCode === 'RESOURCE_ALREADY_EXISTS' && e.statusCode === 400);

  const v1 = (await w.modelRegistry.createModelVersion({ name: 'churn', source, run_id: runId })).model_version;
  assert.equal(v1.version, '1');
  assert.equal(v1.status, 'READY');
  assert.equal(v1.current_stage, 'None');
  assert.equal(v1.source, source);
  assert.equal(v1.run_id, runId);
  const v2 = (await w.modelRegistry.createModelVersion({ name: 'churn', source, run_id: runId, description: 'second' })).model_version;
  assert.equal(v2.version, '2');

  const got = (await w.modelRegistry.getModelVersion({ name: 'churn', version: '2' })).model_version;
  assert.equal(got.description, 'second');
  const uri = await w.modelRegistry.getModelVersionDownloadUri({ name: 'churn', version: '1' });
  assert.equal(uri.artifact_uri, source);

  // Databricks' transition-stage path; archive_existing_versions moves v1 out of Production.
  const t1 = await w.modelRegistry.transitionStage({ name: 'churn', version: '1', stage: 'Production', archive_existing_versions: false });
  assert.equal(t1.model_version_databricks.current_stage, 'Production');
  await w.modelRegistry.transitionStage({ name: 'churn', version: '2', stage: 'Production', archive_existing_versions: true });
  assert.equal((await w.modelRegistry.getModelVersion({ name: 'churn', version: '1' })).model_version.current_stage, 'Archived');
  const latest = await collect(w.modelRegistry.getLatestVersions({ name: 'churn', stages: ['Production'] }));
  assert.deepEqual(latest.map((v) => v.version), ['2']);

  const dbx = await w.modelRegistry.getModel({ name: 'churn' });
  assert.equal(dbx.registered_model_databricks.name, 'churn');

  await w.modelRegistry.setModelTag({ name: 'churn', key: 'owner', value: 'bob' });
  await w.modelRegistry.setModelVersionTag({ name: 'churn', version: '1', key: 'validated', value: 'yes' });
  await w.modelRegistry.deleteModelTag({ name: 'churn', key: 'team' });   // DELETE with a query string
  const model = (await api('GET', '/mlflow/registered-models/get', { query: 'name=churn' })).body.registered_model;
  assert.deepEqual(model.tags, [{ key: 'owner', value: 'bob' }]);
  assert.ok((await w.modelRegistry.getModelVersion({ name: 'churn', version: '1' })).model_version.tags
    .some((t) => t.key === 'validated' && t.value === 'yes'));

  // The SDK's updateModel/updateModelVersion send PATCH without their body (its
  // api-client only attaches payloads to POST and PUT), so no server can serve
  // them; PATCH goes through fetch, with the body MLflow's protos define.
  let r = await api('PATCH', '/mlflow/registered-models/update', { body: { name: 'churn', description: 'updated' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.registered_model.description, 'updated');
  r = await api('PATCH', '/mlflow/model-versions/update', { body: { name: 'churn', version: '1', description: 'v1 text' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.model_version.description, 'v1 text');
  assert.equal((await w.modelRegistry.getModelVersion({ name: 'churn', version: '1' })).model_version.description, 'v1 text');

  await w.modelRegistry.createModel({ name: 'churn-b' });
  const searched = await collect(w.modelRegistry.searchModels({ filter: "name LIKE 'churn%'" }));
  assert.deepEqual(searched.map((m) => m.name).sort(), ['churn', 'churn-b']);
  const versions = await collect(w.modelRegistry.searchModelVersions({ filter: "name = 'churn'" }));
  assert.deepEqual(versions.map((v) => v.version).sort(), ['1', '2']);

  await w.modelRegistry.renameModel({ name: 'churn-b', new_name: 'churn-c' });
  await assert.rejects(() => w.modelRegistry.getModelVersion({ name: 'churn', version: '9' }),
                       (e) => e.errorCode === 'RESOURCE_DOES_NOT_EXIST' && e.statusCode === 404);
  await w.modelRegistry.deleteModelVersion({ name: 'churn', version: '1' });   // DELETE with a query string
  await assert.rejects(() => w.modelRegistry.getModelVersion({ name: 'churn', version: '1' }),
                       (e) => e.errorCode === 'RESOURCE_DOES_NOT_EXIST');
  await w.modelRegistry.deleteModel({ name: 'churn-c' });
  await assert.rejects(() => w.modelRegistry.getModel({ name: 'churn-c' }), (e) => e.statusCode === 404);
});

// ---- plain fetch: registry parts no client covers ----------------------------------------

test('fetch: aliases, latest versions by query forms, DELETE with JSON bodies', async () => {
  let r = await api('POST', '/mlflow/registered-models/create', { body: { name: 'aliased' } });
  assert.equal(r.status, 200);
  for (let i = 0; i < 3; i++) {
    r = await api('POST', '/mlflow/model-versions/create', { body: { name: 'aliased', source: `/tmp/m${i}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.model_version.version, String(i + 1));
  }
  r = await api('POST', '/mlflow/model-versions/transition-stage',
                { body: { name: 'aliased', version: 2, stage: 'staging', archive_existing_versions: false } });
  assert.equal(r.status, 200);
  assert.equal(r.body.model_version.current_stage, 'Staging');

  r = await api('POST', '/mlflow/registered-models/alias', { body: { name: 'aliased', alias: 'champion', version: '3' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  r = await api('GET', '/mlflow/registered-models/alias', { query: 'name=aliased&alias=champion' });
  assert.equal(r.status, 200);
  assert.equal(r.body.model_version.version, '3');
  assert.deepEqual(r.body.model_version.aliases, ['champion']);
  r = await api('GET', '/mlflow/registered-models/get', { query: 'name=aliased' });
  assert.deepEqual(r.body.registered_model.aliases, [{ alias: 'champion', version: '3' }]);
  r = await api('DELETE', '/mlflow/registered-models/alias', { body: { name: 'aliased', alias: 'champion' } });
  assert.equal(r.status, 200);
  r = await api('GET', '/mlflow/registered-models/alias', { query: 'name=aliased&alias=champion' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error_code, 'RESOURCE_DOES_NOT_EXIST');

  // Repeated keys and x[] forms of a repeated GET field; POST as the Python client sends it.
  for (const query of ['name=aliased&stages=Staging&stages=None', 'name=aliased&stages[]=Staging&stages[]=None']) {
    r = await api('GET', '/mlflow/registered-models/get-latest-versions', { query });
    assert.equal(r.status, 200, query);
    assert.deepEqual(r.body.model_versions.map((v) => `${v.version}:${v.current_stage}`).sort(), ['2:Staging', '3:None'], query);
  }
  r = await api('POST', '/mlflow/registered-models/get-latest-versions', { body: { name: 'aliased' } });
  assert.deepEqual(r.body.model_versions.map((v) => v.version).sort(), ['2', '3']);

  r = await api('GET', '/mlflow/model-versions/get-download-uri', { query: 'name=aliased&version=1' });
  assert.deepEqual(r.body, { artifact_uri: '/tmp/m0' });

  r = await api('DELETE', '/mlflow/model-versions/delete', { body: { name: 'aliased', version: '1' } });
  assert.equal(r.status, 200);
  r = await api('GET', '/mlflow/model-versions/get', { query: 'name=aliased&version=1' });
  assert.equal(r.status, 404);
  r = await api('DELETE', '/mlflow/registered-models/delete', { body: { name: 'aliased' } });
  assert.equal(r.status, 200);
  r = await api('GET', '/mlflow/registered-models/get', { query: 'name=aliased' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
});

// ---- plain fetch: proxied artifacts -------------------------------------------------------

test('fetch: artifact upload, list, download, delete', async () => {
  const ml = mlflowClient();
  const { run } = await quiet(() => ml.Runs.create({ experiment_id: '0', start_time: Date.now() }));
  const base = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');   // 0/<run>/artifacts
  const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0x80]);
  let r = await api('PUT', `/mlflow-artifacts/artifacts/${base}/model/model.bin`, { raw: bytes });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  r = await api('PUT', `/mlflow-artifacts/artifacts/${base}/model/MLmodel`, { raw: 'artifact_path: model\n' });
  assert.equal(r.status, 200);
  r = await api('PUT', `/mlflow-artifacts/artifacts/${base}/notes%20v1.txt`, { raw: 'hello' });
  assert.equal(r.status, 200);

  r = await api('GET', '/mlflow-artifacts/artifacts', { query: `path=${encodeURIComponent(base)}` });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.files, [
    { path: 'model', is_dir: true },
    { path: 'notes v1.txt', is_dir: false, file_size: 5 },
  ]);
  r = await api('GET', '/mlflow-artifacts/artifacts', { query: `path=${encodeURIComponent(base + '/model')}` });
  assert.deepEqual(r.body.files, [
    { path: 'MLmodel', is_dir: false, file_size: 21 },
    { path: 'model.bin', is_dir: false, file_size: 8 },
  ]);
  r = await api('GET', '/mlflow-artifacts/artifacts', { query: 'path=0/nothing/here' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});

  const dl = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${base}/model/model.bin`);
  assert.equal(dl.status, 200);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), bytes);
  assert.match(dl.headers.get('content-disposition'), /attachment; filename="model.bin"/);
  // The run's own listing (legacy artifacts/list) sees the same files, run-relative.
  const listed = await ml.Artifacts.list({ run_id: run.info.run_id, path: 'model' });
  assert.deepEqual(listed.files.map((f) => f.path).sort(), ['model/MLmodel', 'model/model.bin']);
  assert.ok(existsSync(join(server.warehouse, '_mlflow', 'artifacts', base, 'model', 'model.bin')));
  assert.equal(readFileSync(join(server.warehouse, '_mlflow', 'artifacts', base, 'notes v1.txt'), 'utf8'), 'hello');

  r = await api('GET', `/mlflow-artifacts/artifacts/${base}/missing.txt`);
  assert.equal(r.status, 404);
  assert.equal(r.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  // fetch would resolve ".." in the URL itself: send the raw paths with node:http.
  r = await rawRequest('GET', '/api/2.0/mlflow-artifacts/artifacts/0/../../metastore.db');
  assert.equal(r.status, 400);
  assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
  r = await rawRequest('GET', '/api/2.0/mlflow-artifacts/artifacts/0/%2E%2E/%2E%2E/metastore.db');
  assert.equal(r.status, 400);
  r = await rawRequest('PUT', '/api/2.0/mlflow-artifacts/artifacts/0/a/../../../escape.txt', 'x');
  assert.equal(r.status, 400);
  assert.ok(!existsSync(join(server.warehouse, 'escape.txt')));
  r = await rawRequest('PUT', '/api/2.0/mlflow-artifacts/artifacts//tmp/escape.txt', 'x');
  assert.equal(r.status, 400);
  r = await api('GET', '/mlflow-artifacts/artifacts', { query: 'path=../..' });
  assert.equal(r.status, 400);

  r = await api('DELETE', `/mlflow-artifacts/artifacts/${base}/model`);
  assert.equal(r.status, 200);
  r = await api('GET', '/mlflow-artifacts/artifacts', { query: `path=${encodeURIComponent(base)}` });
  assert.deepEqual(r.body.files.map((f) => f.path), ['notes v1.txt']);
});

// ---- plain fetch: transport rules and errors ------------------------------------------

test('fetch: error codes, statuses, field forms, prefixes, unknown routes', async () => {
  let r = await api('GET', '/mlflow/no/such/route');
  assert.equal(r.status, 404);
  assert.equal(r.body.error_code, 'ENDPOINT_NOT_FOUND');
  r = await api('GET', '/nothing', { prefix: '' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error_code, 'ENDPOINT_NOT_FOUND');
  r = await api('DELETE', '/mlflow/experiments/create', { body: { name: 'x' } });   // wrong method
  assert.equal(r.status, 404);
  assert.equal(r.body.error_code, 'ENDPOINT_NOT_FOUND');

  r = await api('POST', '/mlflow/experiments/create', { body: '{"name": ' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
  r = await api('POST', '/mlflow/experiments/create', { body: '[1,2]' });
  assert.equal(r.status, 400);
  r = await api('POST', '/mlflow/experiments/create', { body: {} });
  assert.equal(r.status, 400);
  assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
  assert.match(r.body.message, /'name'/);
  r = await api('GET', '/mlflow/runs/get');
  assert.equal(r.status, 400);
  assert.match(r.body.message, /'run_id'/);
  r = await api('POST', '/mlflow/runs/log-metric', { body: { run_id: 'abc', key: 'k', timestamp: 1 } });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /'value'/);

  // int64 fields as numeric strings; run_uuid alone; the /ajax-api prefix.
  r = await api('POST', '/mlflow/runs/create', { body: { experiment_id: '0', start_time: '1700000000123', run_name: 'strings' } });
  assert.equal(r.status, 200);
  const runId = r.body.run.info.run_id;
  assert.equal(r.body.run.info.start_time, 1700000000123);
  r = await api('POST', '/mlflow/runs/log-metric',
                { body: { run_uuid: runId, key: 'k', value: '0.25', timestamp: '1700000000124', step: '7' } });
  assert.equal(r.status, 200, r.text);
  r = await api('GET', '/mlflow/metrics/get-history', { query: `run_uuid=${runId}&metric_key=k`, prefix: '/ajax-api/2.0' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.metrics, [{ key: 'k', value: 0.25, timestamp: 1700000000124, step: 7 }]);
  r = await api('POST', '/mlflow/runs/search', { body: { experiment_ids: ['0'], max_results: 'many' } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
  r = await api('POST', '/mlflow/runs/update', { body: { run_id: runId, status: 'KILLED', end_time: 1700000000999 } });
  assert.equal(r.status, 200);
  assert.equal(r.body.run_info.status, 'KILLED');
  r = await api('POST', '/mlflow/runs/update', { body: { run_id: runId, status: 'NOT_A_STATUS' } });
  assert.equal(r.status, 400);

  r = await api('GET', '/mlflow/experiments/get-by-name', { query: 'experiment_name=Default' });
  assert.equal(r.status, 200);
  assert.equal(r.body.experiment.experiment_id, '0');
  r = await api('GET', '/mlflow/experiments/search', { query: 'max_results=1000&filter=' + encodeURIComponent("name = 'Default'") });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.experiments.map((e) => e.name), ['Default']);
  r = await api('POST', '/mlflow/experiments/set-experiment-tag', { body: { experiment_id: '0', key: 'k', value: 'v' } });
  assert.equal(r.status, 200);

  // log-model and log-inputs, as the Python client sends them.
  const model = { artifact_path: 'model', flavors: { python_function: {} }, utc_time_created: '2024-01-02 03:04:05.000000', run_id: runId };
  r = await api('POST', '/mlflow/runs/log-model', { body: { run_id: runId, model_json: JSON.stringify(model) } });
  assert.equal(r.status, 200, r.text);
  r = await api('POST', '/mlflow/runs/log-inputs', { body: { run_id: runId, datasets: [
    { tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' } }] } });
  assert.equal(r.status, 200, r.text);
  r = await api('GET', '/mlflow/runs/get', { query: `run_id=${runId}` });
  assert.ok(r.body.run.data.tags.some((t) => t.key === 'mlflow.log-model.history'));
  assert.equal(r.body.run.inputs.dataset_inputs[0].dataset.name, 'd');

  r = await api('POST', '/mlflow/model-versions/create', { body: { name: 'no-such-model', source: '/x' } });
  assert.equal(r.status, 404);
  assert.equal(r.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
});

test('fetch: concurrent requests on many connections are all served', async () => {
  let r = await api('POST', '/mlflow/runs/create', { body: { experiment_id: '0', start_time: 1 } });
  const runId = r.body.run.info.run_id;
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    api('POST', '/mlflow/runs/log-metric', { body: { run_id: runId, key: 'c', value: i, timestamp: 1000 + i, step: i } })));
  assert.deepEqual(results.map((x) => x.status), Array(40).fill(200));
  r = await api('GET', '/mlflow/metrics/get-history', { query: `run_id=${runId}&metric_key=c` });
  assert.deepEqual(r.body.metrics.map((m) => m.step), Array.from({ length: 40 }, (_, i) => i));
});

// ---- the same store from SQL ----------------------------------------------------------

// Runs SQL on the server's warehouse in a separate process; rows as CSV lines.
function sql(text) {
  const r = spawnSync(BIN, ['sql', '--warehouse', server.warehouse, '--format', 'csv', '-e', text],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, `strata sql failed: ${text}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, SANITIZER);
  return r.stdout.trim().split('\n');
}

test('SQL sees what MLflow clients log, and clients see what SQL trains', async () => {
  // Client -> SQL: an experiment, a run with params and metrics, a registered version.
  const ml = mlflowClient();
  const { experiment_id: exp } = await quiet(() => ml.Experiments.create({ name: 'sql-visible' }));
  const { run } = await quiet(() => ml.Runs.create({
    experiment_id: exp, user_id: 'bob', start_time: Date.now(),
    tags: [{ key: 'mlflow.runName', value: 'from-npm' }] }));
  const id = run.info.run_id;
  await quiet(() => ml.Runs.logBatch({ run_id: id, params: [{ key: 'alpha', value: '0.5' }],
    metrics: [{ key: 'rmse', value: 1.25, timestamp: Date.now(), step: 0 },
              { key: 'rmse', value: 0.75, timestamp: Date.now(), step: 1 }] }));
  await quiet(() => ml.Runs.update({ run_id: id, status: 'FINISHED', end_time: Date.now() }));
  assert.deepEqual(sql("SELECT run_name, status, `params.alpha`, `metrics.rmse` FROM runs('sql-visible')"),
    ['run_name,status,params.alpha,metrics.rmse', 'from-npm,FINISHED,0.5,0.75']);
  assert.deepEqual(sql(`SELECT step, value FROM metric_history('${id}', 'rmse') ORDER BY step`),
    ['step,value', '0,1.25', '1,0.75']);
  assert.ok(sql('SHOW EXPERIMENTS').some((l) => l.includes(',sql-visible,')));
  let r = await api('POST', '/mlflow/registered-models/create', { body: { name: 'rest-model' } });
  assert.equal(r.status, 200);
  r = await api('POST', '/mlflow/model-versions/create', { body: { name: 'rest-model', source: `${run.info.artifact_uri}/model`, run_id: id } });
  assert.equal(r.status, 200);
  assert.deepEqual(sql("SELECT version, stage, run_id FROM model_versions('rest-model')"),
    ['version,stage,run_id', `1,None,${id}`]);

  // SQL -> clients: CREATE MODEL tracks a run and registers a version.
  sql(`CREATE TABLE pts AS SELECT id, CAST(id % 10 AS DOUBLE) AS x, (id % 10) > 4 AS y
       FROM range(400)`);
  const created = sql(`CREATE MODEL \`sql-model\` OPTIONS (model_type = 'random_forest_classifier',
       n_estimators = 5, label_col = 'y', experiment = 'sql-exp', run_name = 'sql-run')
       AS SELECT x, y FROM pts`);
  const [model, version, runId] = created[1].split(',');
  assert.deepEqual([model, version], ['sql-model', '1']);
  r = await api('GET', '/mlflow/runs/get', { query: `run_id=${runId}` });
  assert.equal(r.status, 200);
  assert.equal(r.body.run.info.run_name, 'sql-run');
  assert.equal(r.body.run.info.status, 'FINISHED');
  const params = Object.fromEntries(r.body.run.data.params.map((p) => [p.key, p.value]));
  assert.equal(params.n_estimators, '5');
  assert.equal(params.label_col, 'y');
  assert.ok(r.body.run.data.metrics.some((m) => m.key === 'accuracy'));
  const history = r.body.run.data.tags.find((t) => t.key === 'mlflow.log-model.history');
  assert.ok(history && JSON.parse(history.value)[0].flavors.xgboost, 'logged model lacks the xgboost flavor');
  r = await api('GET', '/mlflow/model-versions/get-download-uri', { query: 'name=sql-model&version=1' });
  assert.equal(r.body.artifact_uri, `mlflow-artifacts:/${r.body.artifact_uri.split('/')[1]}/${runId}/artifacts/model`);
  const base = r.body.artifact_uri.slice('mlflow-artifacts:/'.length);
  r = await api('GET', '/mlflow-artifacts/artifacts', { query: `path=${encodeURIComponent(base)}` });
  const files = r.body.files.map((f) => f.path).sort();
  assert.ok(files.includes('MLmodel') && files.includes('model.json'), `files: ${files}`);
  const mlmodel = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${base}/MLmodel`);
  const text = await mlmodel.text();
  assert.match(text, /^  xgboost:$/m);
  assert.match(text, new RegExp(`^run_id: '?${runId}'?$`, 'm'));
  // A stage set over REST shows in SQL, and a model loaded by stage predicts.
  r = await api('POST', '/mlflow/model-versions/transition-stage', { body: { name: 'sql-model', version: '1', stage: 'Production', archive_existing_versions: false } });
  assert.equal(r.status, 200);
  assert.deepEqual(sql("SELECT production_version FROM models() WHERE name = 'sql-model'"),
    ['production_version', '1']);
  assert.deepEqual(sql(`SELECT count(*) FROM ML.PREDICT(MODEL 'models:/sql-model/Production',
       TABLE pts) WHERE prediction = y`)[1] > 380, true);
});

// ---- shutdown -----------------------------------------------------------------------

test('server stops cleanly on SIGTERM', async () => {
  server.proc.kill('SIGTERM');
  const { code, signal } = await server.exited;
  const stderr = server.stderr();
  assert.doesNotMatch(stderr, SANITIZER, `sanitizer report on stderr:\n${stderr}`);
  assert.equal(signal, null, `killed by ${signal}; stderr:\n${stderr}`);
  assert.equal(code, 0, `exit code ${code}; stderr:\n${stderr}`);
});
