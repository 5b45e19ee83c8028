import { type GpulabClient, type JobView } from '@gpulab/sdk';
import { UsageError } from './usage-error';

/** A whole job id: `j-` and a ULID of 26 characters. */
const FULL_ID = /^j-[0-9a-z]{26}$/i;
/** How many of the newest jobs a prefix or `last` is looked up among: enough for a term, bounded. */
export const ID_LOOKUP_LIMIT = 500;
const PAGE = 100;

/** The jobs a prefix is looked up among, newest first (ListJobs' order). */
export type JobLister = (options: { pageSize: number; pageToken?: string }) => Promise<{ jobs: JobView[]; nextPageToken?: string }>;

/**
 * The job a command line means: a whole id as given; `last`, the caller's newest job; or a
 * unique prefix of one of its newest jobs (`j-01m8rb`), as git takes a short commit hash. An
 * ambiguous prefix is refused listing the candidates; the gateway still decides who may see
 * the job, so a prefix never reaches a job a whole id would not.
 */
export async function resolveJobId(list: JobLister, given: string): Promise<string> {
  const id = given.trim();
  if (id.toLowerCase() === 'last') {
    const { jobs } = await list({ pageSize: 1 });
    if (jobs.length === 0) throw new UsageError('"last" is your newest job, and you have none yet');
    return jobs[0].id;
  }
  if (FULL_ID.test(id) || !/^j-[0-9a-z]+$/i.test(id)) return id;
  const prefix = id.toLowerCase();
  const matches: string[] = [];
  let pageToken: string | undefined;
  let seen = 0;
  do {
    const page = await list({ pageSize: PAGE, pageToken });
    seen += page.jobs.length;
    matches.push(...page.jobs.map((j) => j.id).filter((j) => j.toLowerCase().startsWith(prefix)));
    pageToken = page.nextPageToken;
  } while (pageToken && seen < ID_LOOKUP_LIMIT);
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new UsageError(`no job starts with ${id} among your newest ${Math.min(seen, ID_LOOKUP_LIMIT)} jobs; give the whole id`);
  throw new UsageError(`${id} is the start of ${matches.length} jobs: ${matches.slice(0, 8).join(', ')}${matches.length > 8 ? ', …' : ''}; give more of the id`);
}

/** `resolveJobId` with the client's ListJobs. */
export function jobIdOf(client: GpulabClient, given: string): Promise<string> {
  return resolveJobId((options) => client.listJobs(options), given);
}
