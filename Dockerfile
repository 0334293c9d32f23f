FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
EXPOSE 3000
CMD ["npm", "start"]
