# syntax=docker/dockerfile:1
# Build stage: dev dependencies and TypeScript, compiled to dist/, then pruned to what runs.
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
COPY migrations migrations
COPY sample sample
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run stage: the built service, production dependencies, the distribution's ffmpeg (it decodes untrusted
# uploads, so it comes with the distribution's security updates) and PocketSphinx, as an unprivileged user.
FROM node:26-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg pocketsphinx pocketsphinx-en-us tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    FFMPEG_PATH=/usr/bin/ffmpeg \
    FFPROBE_PATH=/usr/bin/ffprobe \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY scripts/build.mjs scripts/build.mjs
RUN mkdir -p /data /app/models && chown node:node /data /app/models
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps children (ffmpeg, pocketsphinx) and forwards SIGTERM so jobs finish on shutdown.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main/cli.js", "serve"]
