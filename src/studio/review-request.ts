import { z } from 'zod';
import { shotIdPattern } from '../config/campaign-schema.ts';
import { reviewDecisions } from '../ledger/ledger.ts';

// Names and comments are shown to other reviewers and written to the ledger: printable text only.
const printable = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;

/** The body of `POST .../reviews`: one reviewer's verdict or comment on one image of a run. */
export const reviewRequestSchema = z
  .strictObject({
    shotId: z.string().regex(shotIdPattern, 'expected a shot id'),
    seedIndex: z.number().int().min(0).max(100_000),
    decision: z.enum(reviewDecisions as [string, ...string[]]),
    reviewer: z
      .string()
      .trim()
      .min(1, 'expected the reviewer name')
      .max(80)
      .regex(printable, 'expected printable text'),
    comment: z.string().trim().max(4000).regex(printable, 'expected printable text').optional(),
    /** The image the reviewer saw; refused if the run's image for this shot is another one. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'expected a sha256')
      .optional(),
  })
  .refine((review) => review.decision !== 'comment' || (review.comment ?? '').length > 0, {
    message: 'a comment needs text',
    path: ['comment'],
  });

export type ReviewRequest = z.infer<typeof reviewRequestSchema>;

/** `field: problem` lines for a 400 response. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`,
  );
}
