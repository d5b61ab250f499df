# syntax=docker/dockerfile:1
# One image for the three services; docker-compose.yml picks the command:
#   node services/history-store/dist/main.js
#   node services/bootstrap-gateway/dist/main.js
#   node services/devnet-producer/dist/main.js
# and scripts/healthcheck.js serves the health checks.
#   docker build -t massa-bootstrap:local .
# Stages: manifests (workspace package.json files) -> build (npm ci + tsc -b) and
# production-deps (npm ci --omit=dev) -> runtime (production deps + dist/ only, user `node`).

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/proto/package.json packages/proto/
COPY packages/core/package.json packages/core/
COPY packages/rpc/package.json packages/rpc/
COPY packages/telemetry/package.json packages/telemetry/
COPY packages/bootstrap-client/package.json packages/bootstrap-client/
COPY services/history-store/package.json services/history-store/
COPY services/bootstrap-gateway/package.json services/bootstrap-gateway/
COPY services/devnet-producer/package.json services/devnet-producer/

FROM manifests AS build
RUN npm ci
COPY tsconfig.json tsconfig.base.json ./
COPY protos protos
COPY packages packages
COPY services services
RUN npm run build

FROM manifests AS production-deps
RUN npm ci --omit=dev && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Manifests and node_modules (root and per workspace; workspace links are relative symlinks).
COPY --from=production-deps /app ./
COPY --from=build /app/packages/proto/dist packages/proto/dist
COPY --from=build /app/packages/proto/descriptor-set.binpb packages/proto/
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/rpc/dist packages/rpc/dist
COPY --from=build /app/packages/telemetry/dist packages/telemetry/dist
COPY --from=build /app/packages/bootstrap-client/dist packages/bootstrap-client/dist
COPY --from=build /app/services/history-store/dist services/history-store/dist
COPY --from=build /app/services/bootstrap-gateway/dist services/bootstrap-gateway/dist
COPY --from=build /app/services/devnet-producer/dist services/devnet-producer/dist
COPY protos protos
COPY scripts scripts
# The store's volume mounts on /data; a new named volume takes this ownership.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 50051 50052
CMD ["node", "services/history-store/dist/main.js"]
