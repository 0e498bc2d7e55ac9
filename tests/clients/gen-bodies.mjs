// SPDX-License-Identifier: BSD-3-Clause
//
// Produce OTLP request bodies with the real OpenTelemetry JS SDK, for edge
// cases the shared samples do not cover: every attribute value type, unicode,
// empty strings, large integers, events, links, all span kinds, error status,
// every metric instrument incl. exponential histograms, log bodies that are
// nested maps, arrays and bytes, with and without trace context.
//
//   node gen-bodies.mjs OUTDIR
//
// Writes NAME.pb and NAME.json for each body, and OUTDIR/MANIFEST.json with
// the counts a decoder must report (same shape as tests/data/samples).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
	BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
	MeterProvider, MetricReader, AggregationType,
} from '@opentelemetry/sdk-metrics';
import {
	LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
	ProtobufTraceSerializer, JsonTraceSerializer,
	ProtobufMetricsSerializer, JsonMetricsSerializer,
	ProtobufLogsSerializer, JsonLogsSerializer,
} from '@opentelemetry/otlp-transformer';

const out = process.argv[2];
if (!out) {
	console.error('usage: node gen-bodies.mjs OUTDIR');
	process.exit(2);
}
mkdirSync(out, { recursive: true });
const manifest = [];

function emit(name, signal, pb, json, counts) {
	writeFileSync(join(out, `${name}.pb`), pb);
	writeFileSync(join(out, `${name}.json`), json);
	manifest.push({
		name, signal,
		files: { protobuf: `${name}.pb`, json: `${name}.json` },
		bytes: pb.length, ...counts,
	});
}

const resource = resourceFromAttributes({
	'service.name': 'otlpgate-edge',
	'service.version': '0.0.0-ü',
	'host.name': '',
	'process.pid': 4242,
	'deployment.weights': [1.5, 2.25],
});

// ---- traces ----------------------------------------------------------
async function traces() {
	const exp = new InMemorySpanExporter();
	const tp = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exp)] });
	const tracer = tp.getTracer('edge-tracer', '1.2.3');
	const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
	let n = 0;
	const root = tracer.startSpan('root ✓ 根', { kind: SpanKind.SERVER });
	const ctxApi = await import('@opentelemetry/api');
	const rootCtx = ctxApi.trace.setSpan(ctxApi.context.active(), root);
	for (let i = 0; i < 40; i++) {
		const s = tracer.startSpan(i % 7 === 0 ? '' : `op-${i}-🚀`, {
			kind: kinds[i % kinds.length],
			attributes: {
				'str': 'value "quoted" \\ back\nline\t\u0001',
				'empty': '',
				'int.max': Number.MAX_SAFE_INTEGER,
				'int.neg': -1 - i,
				'dbl': i + 0.5,
				'bool': i % 2 === 0,
				'arr.str': ['a', '', 'ć'],
				'arr.int': [1, 2, 3],
				'arr.bool': [true, false],
				'arr.dbl': [0.1, -2.5, 1.25e-300], // 1e300 would be sent as an out-of-range intValue by the SDK
			},
			links: i % 3 === 0 ? [{ context: root.spanContext(), attributes: { 'link.i': i } }] : [],
		}, rootCtx);
		s.addEvent(`event-${i}`, { 'ev.attr': i, 'ev.s': 'x'.repeat(i) });
		if (i % 4 === 0)
			s.setStatus({ code: SpanStatusCode.ERROR, message: `failure ${i}: ünïcödé` });
		else if (i % 4 === 1)
			s.setStatus({ code: SpanStatusCode.OK });
		s.end();
		n++;
	}
	root.end();
	n++;
	const spans = exp.getFinishedSpans();
	emit('traces-edge', 'traces',
		ProtobufTraceSerializer.serializeRequest(spans),
		JsonTraceSerializer.serializeRequest(spans),
		{ resources: 1, spans: n });
	await tp.shutdown();
}

// ---- metrics ---------------------------------------------------------
class CollectReader extends MetricReader {
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
	const reader = new CollectReader();
	const mp = new MeterProvider({
		resource,
		readers: [reader],
		views: [{
			instrumentName: 'latency.exp',
			aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
		}],
	});
	const m = mp.getMeter('edge-meter', '9.9.9');
	const c = m.createCounter('requests', { unit: '{request}', description: 'all requests' });
	const u = m.createUpDownCounter('inflight', { valueType: ValueType.INT });
	const h = m.createHistogram('latency', { unit: 'ms', advice: { explicitBucketBoundaries: [0, 1, 5, 10, 100] } });
	const e = m.createHistogram('latency.exp', { unit: 's' });
	const g = m.createObservableGauge('temperature', { valueType: ValueType.DOUBLE });
	g.addCallback((r) => { r.observe(-273.15, { room: 'cold' }); r.observe(1e-9, { room: '' }); });
	for (let i = 0; i < 12; i++) {
		const attrs = { route: `/v${i % 3}`, code: 200 + (i % 2), ok: i % 2 === 0 };
		c.add(i + 1, attrs);
		u.add(i % 2 ? -1 : 2, attrs);
		h.record(i * 3.3, attrs);
		e.record(0.001 * (i + 1) * (i + 1), attrs);
	}
	const { resourceMetrics } = await reader.collect();
	emit('metrics-edge', 'metrics',
		ProtobufMetricsSerializer.serializeRequest(resourceMetrics),
		JsonMetricsSerializer.serializeRequest(resourceMetrics),
		{ resources: 1, data_points: countPoints(resourceMetrics) });
	await mp.shutdown();
}

// ---- logs ------------------------------------------------------------
async function logs() {
	const exp = new InMemoryLogRecordExporter();
	const lp = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: exp })] });
	const logger = lp.getLogger('edge-logger', '0.1');
	const api = await import('@opentelemetry/api');
	const tp = new BasicTracerProvider();
	const span = tp.getTracer('t').startSpan('ctx');
	const withSpan = api.trace.setSpan(api.context.active(), span);
	const bodies = [
		'plain string ✓',
		'',
		{ nested: { deeper: { deepest: [1, 'two', { three: 3 }] } }, empty: {} },
		[1, 2.5, true, 'x', null],
		new Uint8Array([0, 1, 2, 254, 255]),
		42,
		3.25,
		false,
	];
	let n = 0;
	for (let i = 0; i < 24; i++) {
		logger.emit({
			severityNumber: 1 + (i % 24),
			severityText: i % 5 === 0 ? '' : `SEV${i}`,
			body: bodies[i % bodies.length],
			attributes: { i, 'k.str': `v${i}`, 'k.arr': ['a', 'b'] },
			timestamp: i % 6 === 0 ? undefined : Date.now(),
			context: i % 2 === 0 ? withSpan : api.context.active(),
			eventName: i % 4 === 0 ? `edge.event.${i}` : undefined,
		});
		n++;
	}
	span.end();
	const records = exp.getFinishedLogRecords();
	emit('logs-edge', 'logs',
		ProtobufLogsSerializer.serializeRequest(records),
		JsonLogsSerializer.serializeRequest(records),
		{ resources: 1, log_records: n });
	await lp.shutdown();
}

await traces();
await metrics();
await logs();
writeFileSync(join(out, 'MANIFEST.json'), JSON.stringify(manifest, null, 1) + '\n');
console.log(`gen-bodies: wrote ${manifest.length} bodies to ${out}`);
