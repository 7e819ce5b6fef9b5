# jobstack-exporter: multi-stage build, runtime image without dev dependencies, non-root.
FROM node:20.18.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install follows package-lock.json; npm ci would also demand lock entries for every platform's optional binaries.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.instrument.json ./
COPY scripts/build.sh scripts/build.sh
COPY src src
RUN bash scripts/build.sh && npm prune --omit=dev

FROM node:20.18.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY demo demo
USER node
EXPOSE 9478
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:9478/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli.js"]
