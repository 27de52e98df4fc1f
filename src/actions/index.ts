import { auth } from './auth.ts';
import { maps } from './maps.ts';
import { publishing } from './publishing.ts';
import { staff } from './staff.ts';

export const server = { auth, staff, maps, publishing };
