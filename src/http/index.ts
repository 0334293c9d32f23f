/**
 * http: the service on the network. The Hono API under /v1 (routes, API-key auth and roles, rate limits,
 * request schemas, the OpenAPI document, metrics) and the server-rendered web UI (search, recordings, ask,
 * ingest, sign-in) with its static assets. Offers `createApp`, the app with its job runtime, for the server
 * to listen with.
 */
export { createApp } from './api/app.js';
