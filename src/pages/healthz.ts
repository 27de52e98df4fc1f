import type { APIRoute } from 'astro';
import { getApp } from '../server/runtime.ts';

export const GET: APIRoute = async () => {
  let isHealthy = false;
  try {
    isHealthy = await (await getApp()).isDatabaseHealthy();
  } catch {
    isHealthy = false;
  }
  return Response.json(isHealthy ? { status: 'ok' } : { status: 'unavailable' }, { status: isHealthy ? 200 : 503 });
};
