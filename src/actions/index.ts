import { auth } from './auth.ts';
import { digest } from './digest.ts';
import { feedback } from './feedback.ts';
import { followThrough } from './follow-through.ts';
import { invitations } from './invitations.ts';
import { maps } from './maps.ts';
import { portal } from './portal.ts';
import { publishing } from './publishing.ts';
import { review } from './review.ts';
import { staff } from './staff.ts';

export const server = { auth, staff, maps, publishing, portal, invitations, feedback, review, followThrough, digest };
