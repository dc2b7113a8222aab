'use strict';
// Companion of t0030-sdks.sh: sends one event of every type with
// @segment/analytics-node and with @rudderstack/rudder-sdk-node, then writes
// what the warehouse must hold.
//
// Each SDK talks to the daemon through its own byte-for-byte TCP relay: the
// daemon sees exactly the SDK's bytes, and the relay keeps a copy of both
// directions so that every request (headers, encoding, decompressed body)
// and the daemon's answer can be logged and checked.
//
// Environment: KR_URL (daemon), SEG_KEY, SEG_SOURCE, SEG_VERSION, RUD_KEY,
// RUD_SOURCE, RUD_VERSION (write keys, source ids and pinned SDK versions),
// OUT (output directory).  Writes to OUT:
//   requests.log  every request and response, bodies decompressed
//   summary.txt   "<sdk> requests=N gzip=G status=S,.. accepted=A duplicates=D rejected=R"
//   expect.tsv    mid TAB what TAB sql-expression TAB expected value; the
//                 expression is evaluated on the events row of that messageId
// Exit status 1 when an SDK reported an error, a request was not answered
// 200, or an event did not go out as given.
const net = require('net');
const zlib = require('zlib');
const fs = require('fs');
const path = require('path');
const { Analytics } = require('@segment/analytics-node');
const Rudder = require('@rudderstack/rudder-sdk-node');

const env = (n) => {
	if (!process.env[n]) {
		console.error(`send.js: ${n} is not set`);
		process.exit(2);
	}
	return process.env[n];
};
const KR_URL = env('KR_URL');
const OUT = env('OUT');
const problems = [];
const problem = (msg) => {
	problems.push(msg);
	console.log(`send.js: ${msg}`);
};

process.on('unhandledRejection', (err) => problem(`unhandled rejection: ${(err && err.message) || err}`));

// Give up rather than hang: the shell script has its own limit too.
setTimeout(() => {
	problem('timed out after 40 s waiting for the SDKs');
	finish();
}, 40000).unref();

// ---- relay -----------------------------------------------------------------

function startRelay(name) {
	const target = new URL(KR_URL);
	const conns = [];
	const sockets = new Set();
	const server = net.createServer((client) => {
		const rec = { up: [], down: [] };
		conns.push(rec);
		const upstream = net.connect(Number(target.port), target.hostname);
		sockets.add(client);
		sockets.add(upstream);
		client.on('data', (d) => rec.up.push(d));
		upstream.on('data', (d) => rec.down.push(d));
		client.pipe(upstream);
		upstream.pipe(client);
		client.on('error', () => upstream.destroy());
		upstream.on('error', () => client.destroy());
		client.on('close', () => { upstream.destroy(); sockets.delete(client); });
		upstream.on('close', () => { client.destroy(); sockets.delete(upstream); });
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			resolve({
				name,
				url: `http://127.0.0.1:${server.address().port}`,
				conns,
				close() {
					server.close();
					for (const s of sockets) s.destroy();
				},
			});
		});
	});
}

// Split one direction of a connection into HTTP/1.1 messages
// (Content-Length or chunked bodies; enough for these clients).
function splitHttp(buf) {
	const out = [];
	let pos = 0;
	while (pos < buf.length) {
		const end = buf.indexOf('\r\n\r\n', pos);
		if (end < 0) {
			out.push({ start: '(incomplete head)', headers: [], body: buf.subarray(pos) });
			break;
		}
		const lines = buf.subarray(pos, end).toString('latin1').split('\r\n');
		pos = end + 4;
		const start = lines.shift();
		const headers = lines.map((l) => {
			const i = l.indexOf(':');
			return [l.slice(0, i), l.slice(i + 1).trim()];
		});
		const get = (n) => {
			const h = headers.find((x) => x[0].toLowerCase() === n);
			return h ? h[1] : undefined;
		};
		let body;
		if (/chunked/i.test(get('transfer-encoding') || '')) {
			const parts = [];
			for (;;) {
				const eol = buf.indexOf('\r\n', pos);
				if (eol < 0) break;
				const n = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
				pos = eol + 2;
				if (!n) {
					const fin = buf.indexOf('\r\n\r\n', pos - 2);
					pos = fin < 0 ? buf.length : fin + 4;
					break;
				}
				parts.push(buf.subarray(pos, pos + n));
				pos += n + 2;
			}
			body = Buffer.concat(parts);
		} else {
			const n = Number(get('content-length') || 0);
			body = buf.subarray(pos, pos + n);
			pos += n;
		}
		out.push({ start, headers, get, body });
	}
	return out;
}

function exchanges(relay) {
	const list = [];
	for (const c of relay.conns) {
		const reqs = splitHttp(Buffer.concat(c.up));
		const resps = splitHttp(Buffer.concat(c.down));
		reqs.forEach((req, i) => list.push({ req, resp: resps[i] }));
	}
	return list;
}

// ---- the events ------------------------------------------------------------

// Given to the SDKs exactly like this; properties and traits must be stored
// as JSON.stringify writes them.
const trackProps = {
	order_id: 'o-1001',
	total: 1.5,
	quantity: 3,
	discount: -0.25,
	big: 9007199254740991,
	note: 'Café "deluxe" ½ / \\ é',
	shipping: { method: 'express', address: { city: 'Milano', zip: '20121' }, insured: true },
	items: [{ sku: 'A-1', price: 0.1 }, { sku: 'B-2', price: 2 }],
	gift: null,
};
const identifyTraits = { email: 'ada@example.com', name: 'Ada', age: 36, score: 98.6, address: { city: 'London', postalCode: 'NW1' }, vip: false };
const pageProps = { path: '/pricing', plans: ['free', 'pro'], price: 9.5 };
const groupTraits = { name: 'Acme Inc', employees: 120, plan: { tier: 'gold', seats: 7 }, mrr: 1234.56 };
const screenProps = { section: 'home', position: 2, ratio: 0.75, flags: { dark: true } };

function events(p, lib) {
	// p: messageId and id prefix, lib: what the SDK names itself
	const user = `${p}-user-1`;
	const anon = `${p}-anon-1`;
	const ts = '2025-03-04T05:06:07.089Z';
	return [
		{ type: 'track', messageId: `${p}-track-0001`, userId: user, anonymousId: anon, event: 'Order Completed',
			properties: trackProps, timestamp: new Date(ts), context: { app: { name: 'billing', version: '2.0.1' } } },
		{ type: 'identify', messageId: `${p}-identify-0001`, userId: user, traits: identifyTraits },
		{ type: 'page', messageId: `${p}-page-0001`, anonymousId: anon, name: 'Pricing', properties: pageProps },
		{ type: 'group', messageId: `${p}-group-0001`, userId: user, groupId: 'acme', traits: groupTraits },
		{ type: 'screen', messageId: `${p}-screen-0001`, userId: user, name: 'Home', category: 'Main', properties: screenProps },
		{ type: 'alias', messageId: `${p}-alias-0001`, userId: user, previousId: anon },
	].map((e) => Object.assign(e, { lib }));
}

const segEvents = events('seg', { name: '@segment/analytics-node', version: env('SEG_VERSION') });
const rudEvents = events('rud', { name: 'analytics-node', version: env('RUD_VERSION') });
// RudderStack: traits on a track go in context.traits (they become the
// event's traits); a page may have a category.
rudEvents[0].context = Object.assign({}, rudEvents[0].context, { traits: { plan: 'pro', trial: false } });
rudEvents[2].category = 'Docs';

// The arguments of an SDK call: the event without type and lib.
function callArgs(e) {
	const a = Object.assign({}, e);
	delete a.type;
	delete a.lib;
	return a;
}

function withCallback(sdk, e, errors) {
	return (err) => {
		if (err) errors.push(`${sdk} ${e.type} ${e.messageId}: ${err.message || err}`);
	};
}

async function sendSegment(relay) {
	const errors = [];
	const client = new Analytics({
		writeKey: env('SEG_KEY'),
		host: relay.url,
		flushAt: 50,
		flushInterval: 300,
		maxRetries: 2,
	});
	client.on('error', (err) => errors.push(`segment error event: ${err && (err.reason || err.message || err.code)}`));
	for (const e of segEvents) {
		client[e.type](callArgs(e), withCallback('segment', e, errors));
	}
	await client.closeAndFlush({ timeout: 20000 });
	return errors;
}

async function sendRudder(relay) {
	const errors = [];
	const client = new Rudder(env('RUD_KEY'), {
		dataPlaneUrl: relay.url,
		flushAt: 50,
		flushInterval: 300,
		retryCount: 1,
		logLevel: 'error',
		errorHandler: (err) => errors.push(`rudder request failed: ${err.message || err}${err.response ? ` (HTTP ${err.response.status})` : ''}`),
	});
	// The first call is flushed at once, in a request of its own; the
	// others go together in a second batch.
	for (const e of rudEvents) {
		client[e.type](callArgs(e), withCallback('rudder', e, errors));
	}
	for (let i = 0; i < 10 && (client.queue.length || client.pendingFlush); i++) {
		try {
			await client.flush();
		} catch (err) {
			errors.push(`rudder flush: ${err.message || err}`);
			break;
		}
		if (!client.queue.length) break;
	}
	if (client.pendingFlush) await client.pendingFlush.catch(() => {});
	// Let the callbacks (setImmediate) run.
	await new Promise((r) => setTimeout(r, 50));
	return errors;
}

// ---- log, check the wire, write the expectations ----------------------------

const logLines = [];
const sentEvents = new Map(); // messageId -> { sdk, event, envelope, encoding }
const summary = [];

function record(relay) {
	let n = 0, gzipped = 0, accepted = 0, duplicates = 0, rejected = 0;
	const statuses = [];
	const ctypes = new Set();
	for (const { req, resp } of exchanges(relay)) {
		n++;
		const enc = (req.get && req.get('content-encoding')) || '';
		let text;
		try {
			text = /gzip/i.test(enc) ? zlib.gunzipSync(req.body).toString('utf8') : req.body.toString('utf8');
		} catch (err) {
			text = `(cannot gunzip: ${err.message}) ${req.body.toString('hex')}`;
		}
		if (/gzip/i.test(enc) && req.body[0] === 0x1f && req.body[1] === 0x8b) gzipped++;
		ctypes.add((req.get && req.get('content-type')) || '(none)');
		logLines.push(`=== ${relay.name} request ${n}: ${req.start}`);
		for (const [k, v] of req.headers) logLines.push(`${k}: ${v}`);
		logLines.push(`(body: ${req.body.length} bytes on the wire${enc ? `, ${enc}; ${Buffer.byteLength(text)} bytes decoded` : ''})`);
		logLines.push(text);
		if (!resp) {
			logLines.push('=== no response');
			statuses.push('none');
			continue;
		}
		logLines.push(`=== response: ${resp.start}`);
		for (const [k, v] of resp.headers) logLines.push(`${k}: ${v}`);
		logLines.push(resp.body.toString('utf8'));
		const status = resp.start.split(' ')[1];
		statuses.push(status);
		let answer = {};
		try {
			answer = JSON.parse(resp.body.toString('utf8'));
		} catch (err) {
			problem(`${relay.name} request ${n}: response body is not JSON`);
		}
		if (status !== '200') problem(`${relay.name} request ${n}: daemon answered ${resp.start.slice(9)}: ${resp.body.toString('utf8').trim()}`);
		accepted += answer.accepted || 0;
		duplicates += answer.duplicates || 0;
		rejected += (answer.rejected || []).length;
		let body;
		try {
			body = JSON.parse(text);
		} catch (err) {
			problem(`${relay.name} request ${n}: body is not JSON`);
			continue;
		}
		for (const ev of body.batch || []) {
			if (!sentEvents.has(ev.messageId)) sentEvents.set(ev.messageId, { sdk: relay.name, event: ev, envelope: body, encoding: enc });
		}
	}
	summary.push(`${relay.name} requests=${n} gzip=${gzipped} status=${statuses.join(',')} accepted=${accepted} duplicates=${duplicates} rejected=${rejected} content-types=${[...ctypes].join(',')}`);
}

const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const iso = (d) => new Date(d).toISOString();
const expect = [];
const want = (mid, what, expr, value) => expect.push([mid, what, expr, value === undefined || value === null ? '(null)' : String(value)]);
const UUID4 = '[0-9a-f]'.repeat(8) + '-' + '[0-9a-f]'.repeat(4) + '-4' + '[0-9a-f]'.repeat(3) + '-[89ab]' + '[0-9a-f]'.repeat(3) + '-' + '[0-9a-f]'.repeat(12);
const TS = '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9]Z';

function expectations(sdk, list, source) {
	for (const e of list) {
		const mid = e.messageId;
		const sent = sentEvents.get(mid);
		if (!sent) {
			problem(`${sdk} ${e.type} ${mid}: the SDK never sent it`);
			continue;
		}
		const w = sent.event;
		// The SDK must have sent what it was given (else the check below
		// would test the SDK, not the daemon).
		for (const k of ['type', 'userId', 'anonymousId', 'event', 'name', 'category', 'groupId', 'previousId']) {
			if (w[k] !== e[k]) problem(`${sdk} ${mid}: ${k} went out as ${JSON.stringify(w[k])}, given ${JSON.stringify(e[k])}`);
		}
		for (const k of ['properties', 'traits']) {
			if (e[k] !== undefined && JSON.stringify(w[k]) !== JSON.stringify(e[k])) problem(`${sdk} ${mid}: ${k} went out as ${JSON.stringify(w[k])}`);
		}
		if (JSON.stringify(w.context && w.context.library) !== JSON.stringify(e.lib)) problem(`${sdk} ${mid}: context.library went out as ${JSON.stringify(w.context && w.context.library)}`);
		if (e.timestamp && w.timestamp !== iso(e.timestamp)) problem(`${sdk} ${mid}: timestamp went out as ${JSON.stringify(w.timestamp)}`);

		const ctxTraits = e.context && e.context.traits;
		const hasProps = ['track', 'page', 'screen'].includes(e.type);
		const traits = ['identify', 'group'].includes(e.type) ? (e.traits || {}) : (ctxTraits || {});
		want(mid, 'stored once', 'count(*)', 1);
		want(mid, 'connection_id', 'connection_id', source);
		want(mid, 'type', 'type', e.type);
		want(mid, 'user_id', 'user_id', e.userId);
		if (e.anonymousId) want(mid, 'anonymous_id', 'anonymous_id', e.anonymousId);
		else want(mid, 'generated anonymous_id', `anonymous_id GLOB ${q(UUID4)}`, 1);
		want(mid, 'event', 'event', e.event);
		want(mid, 'name', 'name', e.name);
		want(mid, 'category', 'category', e.category);
		want(mid, 'group_id', 'group_id', e.groupId);
		want(mid, 'previous_id', 'previous_id', e.previousId);
		want(mid, 'properties', 'properties', hasProps ? JSON.stringify(e.properties || {}) : null);
		want(mid, 'traits', 'traits', JSON.stringify(traits));
		want(mid, 'context_library_name', 'context_library_name', e.lib.name);
		want(mid, 'context_library_version', 'context_library_version', e.lib.version);
		want(mid, 'context_app_name', 'context_app_name', e.context && e.context.app ? e.context.app.name : null);
		want(mid, 'context_app_version', 'context_app_version', e.context && e.context.app ? e.context.app.version : null);
		want(mid, 'context_ip (none for a nodejs source)', 'context_ip', null);
		want(mid, 'channel', 'channel', w.channel);
		// Timestamps (events.md §11.3): sentAt is the event's, else the
		// envelope's; timestamp is the client's when it sent both
		// timestamp and originalTimestamp, else corrected by R - sentAt.
		const sentAt = w.sentAt || sent.envelope.sentAt;
		want(mid, 'sent_at', 'sent_at', iso(sentAt));
		want(mid, 'received_at format', `received_at GLOB ${q(TS)}`, 1);
		let expr;
		if (w.timestamp && w.originalTimestamp) {
			expr = q(iso(w.timestamp));
		} else {
			const base = w.timestamp || w.originalTimestamp;
			if (!base) problem(`${sdk} ${mid}: sent no timestamp at all`);
			expr = `strftime('%Y-%m-%dT%H:%M:%fZ', julianday(${q(iso(base))}) + julianday(received_at) - julianday(sent_at))`;
		}
		want(mid, 'timestamp', `CASE WHEN timestamp = ${expr} THEN 'ok' ELSE timestamp || ' but expected ' || ${expr} END`, 'ok');
	}
}

let finished = false;
function finish() {
	if (finished) return;
	finished = true;
	fs.writeFileSync(path.join(OUT, 'requests.log'), logLines.join('\n') + '\n');
	fs.writeFileSync(path.join(OUT, 'summary.txt'), summary.join('\n') + '\n');
	fs.writeFileSync(path.join(OUT, 'expect.tsv'), expect.map((r) => r.join('\t')).join('\n') + '\n');
	process.exit(problems.length ? 1 : 0);
}

(async () => {
	const segRelay = await startRelay('segment');
	const rudRelay = await startRelay('rudder');
	const [segErrors, rudErrors] = await Promise.all([sendSegment(segRelay), sendRudder(rudRelay)]);
	for (const err of segErrors.concat(rudErrors)) problem(err);
	// Let the last responses reach the relays' copies.
	await new Promise((r) => setTimeout(r, 100));
	record(segRelay);
	record(rudRelay);
	segRelay.close();
	rudRelay.close();
	expectations('segment', segEvents, env('SEG_SOURCE'));
	expectations('rudder', rudEvents, env('RUD_SOURCE'));
	finish();
})().catch((err) => {
	problem(`unexpected: ${err.stack || err}`);
	finish();
});
