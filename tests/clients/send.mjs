// SPDX-License-Identifier: BSD-3-Clause
//
// A real OTLP/HTTP client for otlpgate's integration test and demo: the
// OpenTelemetry JS SDK (pinned in package.json) produces COUNT items and its
// own OTLP exporter sends them, so what otlpgate sees is exactly what an
// instrumented application sends (Transfer-Encoding: chunked, keep-alive,
// the exporter's retries on 429/502/503/504).
//
//   node send.mjs --url http://ADDR:4318 --signal traces|metrics|logs
//                 --encoding protobuf|json [--gzip] --count N --run-id ID
//                 [--batch B] [--parallel P] [--timeout-ms T]
//
// Every item carries the attributes og.run = ID (string) and og.seq = i
// (int, 0 <= i < N), so a checker can find each one in what arrived.
// Items are spans, metric data points (sums and histograms, alternately) or
// log records. They are exported in batches of B (default 256), P batches in
// flight at a time (default 4: the exporter opens one connection per
// concurrent request).
//
// Prints one JSON object: what was sent and what the exporter reported for
// every export. Exits 1 when any export failed (or fewer items than N were
// exported), 2 on bad usage.
import { parseArgs } from 'node:util';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
	MeterProvider, MetricReader, AggregationTemporality,
} from '@opentelemetry/sdk-metrics';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as TraceJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter as MetricProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as MetricJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as LogProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as LogJson } from '@opentelemetry/exporter-logs-otlp-http';

function usage(msg) {
	console.error(`send.mjs: ${msg}`);
	console.error('usage: node send.mjs --url URL --signal traces|metrics|logs ' +
		'--encoding protobuf|json [--gzip] --count N --run-id ID [--batch B] ' +
		'[--parallel P] [--timeout-ms T]');
	process.exit(2);
}

let opts;
try {
	opts = parseArgs({
		options: {
			url: { type: 'string' },
			signal: { type: 'string' },
			encoding: { type: 'string', default: 'protobuf' },
			gzip: { type: 'boolean', default: false },
			count: { type: 'string' },
			'run-id': { type: 'string' },
			batch: { type: 'string', default: '256' },
			parallel: { type: 'string', default: '4' },
			'timeout-ms': { type: 'string', default: '30000' },
		},
		strict: true,
	}).values;
} catch (e) {
	usage(e.message);
}
const SIGNALS = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };
if (!opts.url || !SIGNALS[opts.signal])
	usage('--url and --signal traces|metrics|logs are required');
if (opts.encoding !== 'protobuf' && opts.encoding !== 'json')
	usage('--encoding must be protobuf or json');
const count = Number(opts.count);
const batch = Number(opts.batch);
const parallel = Number(opts.parallel);
const timeoutMillis = Number(opts['timeout-ms']);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(batch) || batch < 1 ||
    !Number.isInteger(parallel) || parallel < 1 || !(timeoutMillis > 0))
	usage('--count, --batch, --parallel and --timeout-ms must be positive integers');
const run = opts['run-id'];
if (!run)
	usage('--run-id is required');

// Export failures are reported through the result callback; the SDK's own
// diagnostics go to stderr so that a failing run says why.
diag.setLogger({
	error: (...a) => console.error('otel:', ...a),
	warn: (...a) => console.error('otel:', ...a),
	info: () => {}, debug: () => {}, verbose: () => {},
}, DiagLogLevel.WARN);

const base = opts.url.replace(/\/+$/, '');
const cfg = {
	url: `${base}/${SIGNALS[opts.signal]}`,
	timeoutMillis,
	// Room for every batch we put in flight (the exporter refuses beyond it).
	concurrencyLimit: parallel * 2,
	...(opts.gzip ? { compression: 'gzip' } : {}),
};
const proto = opts.encoding === 'protobuf';
const resource = resourceFromAttributes({
	'service.name': 'otlpgate-it-sender',
	'og.run': run,
	'og.signal': opts.signal,
});

// Wraps the SDK exporter to record what it reported for each export (the
// processors and readers swallow results).
const exports = [];
class RecordingExporter {
	constructor(inner, countOf) {
		this.inner = inner;
		this.countOf = countOf;
	}
	export(items, done) {
		const t0 = Date.now();
		this.inner.export(items, (r) => {
			exports.push({
				items: this.countOf(items),
				ok: r.code === ExportResultCode.SUCCESS,
				ms: Date.now() - t0,
				...(r.error ? { error: String(r.error.message ?? r.error) } : {}),
			});
			done(r);
		});
	}
	selectAggregationTemporality(k) {
		return this.inner.selectAggregationTemporality?.(k) ?? AggregationTemporality.CUMULATIVE;
	}
	forceFlush() { return this.inner.forceFlush(); }
	shutdown() { return this.inner.shutdown(); }
}

function itemAttrs(i) {
	return { 'og.run': run, 'og.seq': i };
}

// P batches are produced, then flushed together (P exports in flight), so
// the processor's queue never overflows and never drops.
async function traces() {
	const exp = new RecordingExporter(proto ? new TraceProto(cfg) : new TraceJson(cfg),
		(spans) => spans.length);
	const bsp = new BatchSpanProcessor(exp, {
		maxQueueSize: batch * parallel,
		maxExportBatchSize: batch,
		scheduledDelayMillis: 60000,
		exportTimeoutMillis: timeoutMillis,
	});
	const tp = new BasicTracerProvider({ resource, spanProcessors: [bsp] });
	const tracer = tp.getTracer('otlpgate-it', '1.0.0');
	for (let i = 0; i < count; i++) {
		const s = tracer.startSpan(`op-${i % 17}`, { attributes: itemAttrs(i) });
		s.addEvent('work', { 'og.step': i % 5 });
		s.end();
		if ((i + 1) % (batch * parallel) === 0)
			await tp.forceFlush();
	}
	await tp.forceFlush();
	await tp.shutdown();
}

// Delta temporality: each collection holds only the points recorded since
// the previous one, so collect + export per batch sends every point once.
class ManualReader extends MetricReader {
	constructor() {
		super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
	}
	async onForceFlush() {}
	async onShutdown() {}
}

function countPoints(rm) {
	let n = 0;
	for (const sm of rm.scopeMetrics)
		for (const m of sm.metrics)
			n += m.dataPoints.length;
	return n;
}

async function metrics() {
	const exp = new RecordingExporter(proto ? new MetricProto(cfg) : new MetricJson(cfg),
		countPoints);
	const reader = new ManualReader();
	const mp = new MeterProvider({
		resource,
		readers: [reader],
		// Every point has its own og.seq: lift the default limit of 2000
		// attribute sets per instrument.
		views: [{ instrumentName: '*', aggregationCardinalityLimit: count + 1 }],
	});
	const meter = mp.getMeter('otlpgate-it', '1.0.0');
	const counter = meter.createCounter('og.it.requests', { unit: '{request}' });
	const hist = meter.createHistogram('og.it.latency', { unit: 'ms' });
	const exportOne = (rm) => new Promise((resolve) => exp.export(rm, resolve));
	let pending = [];
	for (let i = 0; i < count; i++) {
		if (i % 2 === 0)
			counter.add(i + 1, itemAttrs(i));
		else
			hist.record(i % 100, itemAttrs(i));
		if ((i + 1) % batch === 0 || i + 1 === count) {
			const { resourceMetrics, errors } = await reader.collect();
			if (errors.length)
				throw new Error(`collect: ${errors}`);
			pending.push(exportOne(resourceMetrics));
			if (pending.length >= parallel) {
				await Promise.all(pending);
				pending = [];
			}
		}
	}
	await Promise.all(pending);
	await mp.shutdown();
	await exp.shutdown();
}

async function logs() {
	const exp = new RecordingExporter(proto ? new LogProto(cfg) : new LogJson(cfg),
		(records) => records.length);
	// sdk-logs 0.2xx takes the exporter inside the options.
	const blp = new BatchLogRecordProcessor({
		exporter: exp,
		maxQueueSize: batch * parallel,
		maxExportBatchSize: batch,
		scheduledDelayMillis: 60000,
		exportTimeoutMillis: timeoutMillis,
	});
	const lp = new LoggerProvider({ resource, processors: [blp] });
	const logger = lp.getLogger('otlpgate-it', '1.0.0');
	for (let i = 0; i < count; i++) {
		logger.emit({
			severityNumber: SeverityNumber.INFO,
			severityText: 'INFO',
			body: `record ${i} of run ${run}`,
			attributes: itemAttrs(i),
		});
		if ((i + 1) % (batch * parallel) === 0)
			await lp.forceFlush();
	}
	await lp.forceFlush();
	await lp.shutdown();
}

const t0 = Date.now();
let fatal = null;
try {
	await { traces, metrics, logs }[opts.signal]();
} catch (e) {
	fatal = String(e?.stack ?? e);
}
const okItems = exports.filter((e) => e.ok).reduce((n, e) => n + e.items, 0);
const failed = exports.filter((e) => !e.ok);
const summary = {
	kind: 'sdk',
	url: cfg.url,
	signal: opts.signal,
	encoding: opts.encoding,
	gzip: opts.gzip,
	run_id: run,
	items: count,
	batch,
	parallel,
	exports: exports.length,
	exports_ok: exports.length - failed.length,
	exports_failed: failed.length,
	items_exported_ok: okItems,
	ms: Date.now() - t0,
	...(failed.length ? { failures: failed.slice(0, 10) } : {}),
	...(fatal ? { fatal } : {}),
};
console.log(JSON.stringify(summary));
process.exit(failed.length || fatal || okItems !== count ? 1 : 0);
