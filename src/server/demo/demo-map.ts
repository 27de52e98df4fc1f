/**
 * The demo workspace's map: a mid-market onboarding journey for a fictional payroll product,
 * written for Groundtruth so a new user sees every part of the product at work — public and
 * internal stages, lanes and cards, customer wording next to internal wording, an emotional
 * curve, moments of truth, owners and notes — and a redaction that visibly removes things.
 */
import type { JourneyMapContent, MapCard } from '../maps/maps.ts';

type CardSeed = [stage: string, lane: string, text: string, extra?: Partial<Omit<MapCard, 'stage' | 'lane' | 'text'>>];

const CARDS: CardSeed[] = [
  ['trial', 'actions', 'Signs up for a 14-day trial from the pricing page'],
  ['trial', 'actions', 'Imports a sample employee list'],
  ['trial', 'touchpoints', 'Trial welcome email sequence', { customerText: 'Welcome emails' }],
  ['trial', 'thoughts', 'Will this handle our two pay schedules?'],
  ['trial', 'emotions', 'Curious, a little sceptical', { emotion: 0 }],
  ['trial', 'pain', 'Sample data does not look like our real payroll'],
  ['trial', 'backstage', 'Lead scored in HubSpot; SDR follow-up within 24 h', { owner: 'Growth team' }],
  ['purchase', 'actions', 'Chooses the Team plan and pays by card'],
  ['purchase', 'touchpoints', 'Checkout page and receipt'],
  ['purchase', 'thoughts', 'Did I pick the right plan?'],
  ['purchase', 'emotions', 'Committed', { emotion: 1 }],
  ['purchase', 'backstage', 'Deal desk approves discounts above 15%', { owner: 'Finance', notes: 'Approval queue is 2-3 days in quarter-end weeks' }],
  ['setup', 'actions', 'Connects the bank account and the accounting system'],
  ['setup', 'actions', 'Uploads the real employee list'],
  ['setup', 'touchpoints', 'Setup checklist in the app'],
  ['setup', 'touchpoints', 'Onboarding call with the implementation specialist', { customerText: 'Onboarding call with your setup specialist' }],
  ['setup', 'thoughts', 'Why does it need so many documents?'],
  ['setup', 'emotions', 'Overwhelmed by the paperwork', { emotion: -2 }],
  ['setup', 'pain', 'Bank verification takes up to three working days'],
  ['setup', 'pain', 'Tax registration numbers are hard to find', { visibility: 'internal', notes: 'Support ticket tag: tax-id-help' }],
  ['setup', 'backstage', 'KYC review by the risk team; manual for 20% of accounts', { owner: 'Risk ops' }],
  ['first-run', 'actions', 'Runs a preview payroll, then the first real one'],
  ['first-run', 'touchpoints', 'Payroll summary and payslips email'],
  ['first-run', 'thoughts', 'Did everyone get paid the right amount?'],
  ['first-run', 'emotions', 'Nervous, then relieved', { emotion: 1 }],
  ['first-run', 'pain', 'Cannot see why one net pay changed'],
  ['first-run', 'opportunities', 'Explain every change from the previous payslip'],
  ['first-run', 'backstage', 'Payroll ops watch first runs for failed transfers', { owner: 'Payroll ops' }],
  ['habit', 'actions', 'Adds new hires and approves each run on their phone'],
  ['habit', 'touchpoints', 'Monthly reminder notification'],
  ['habit', 'thoughts', 'It just works now'],
  ['habit', 'emotions', 'Confident', { emotion: 2 }],
  ['habit', 'opportunities', 'Invite the accountant as a second approver'],
  ['expansion', 'actions', 'Health check call with account manager', { visibility: 'internal' }],
  ['expansion', 'backstage', 'Upsell to benefits add-on when headcount passes 50', { owner: 'Account management' }],
];

export function buildDemoMap(): JourneyMapContent {
  let n = 0;
  return {
    title: 'Mid-market onboarding — current state (Q4 workshop)',
    customerTitle: 'Getting started with Brightside Payroll',
    description: 'From trial sign-up to the third payroll run, for companies with 20-200 employees.',
    segment: 'Mid-market',
    persona: 'Sam, office manager who runs payroll alongside everything else',
    lifecycle: 'onboarding',
    internalNotes: 'Workshop with Sales, Support, Risk and Payroll ops. Open question: where do trials stall?',
    stages: [
      { key: 'trial', name: 'Trial', customerName: 'Trying it out', description: null, visibility: 'public', momentOfTruth: false },
      { key: 'purchase', name: 'Purchase', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
      { key: 'setup', name: 'Implementation', customerName: 'Setting up', description: 'Bank, accounting and employee data.', visibility: 'public', momentOfTruth: true },
      { key: 'first-run', name: 'First payroll', customerName: null, description: null, visibility: 'public', momentOfTruth: true },
      { key: 'habit', name: 'Routine', customerName: 'Every month', description: null, visibility: 'public', momentOfTruth: false },
      { key: 'expansion', name: 'Expansion play', customerName: null, description: 'Upsell motion owned by account management.', visibility: 'internal', momentOfTruth: false },
    ],
    lanes: [
      { key: 'actions', name: 'Customer actions', customerName: 'What you do', kind: 'actions', visibility: 'public' },
      { key: 'touchpoints', name: 'Touchpoints', customerName: 'Where you meet us', kind: 'touchpoints', visibility: 'public' },
      { key: 'thoughts', name: 'Thoughts', customerName: 'What you might be thinking', kind: 'thoughts', visibility: 'public' },
      { key: 'emotions', name: 'Emotional curve', customerName: 'How it feels', kind: 'emotions', visibility: 'public' },
      { key: 'pain', name: 'Pain points', customerName: 'What gets in the way', kind: 'pain_points', visibility: 'public' },
      { key: 'opportunities', name: 'Opportunities', customerName: 'Ideas we have', kind: 'opportunities', visibility: 'public' },
      { key: 'backstage', name: 'Backstage', customerName: null, kind: 'backstage', visibility: 'internal' },
    ],
    cards: CARDS.map(([stage, lane, text, extra]) => ({
      key: `demo-${++n}`,
      stage,
      lane,
      text,
      customerText: extra?.customerText ?? null,
      visibility: extra?.visibility ?? 'public',
      emotion: extra?.emotion ?? null,
      owner: extra?.owner ?? null,
      notes: extra?.notes ?? null,
    })),
  };
}
