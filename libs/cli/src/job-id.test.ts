import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JobLister, resolveJobId } from './job-id';
import { aJob } from './testing/views';

/** A team's jobs newest first, served in pages as ListJobs does; counts the pages asked for. */
function jobsNewestFirst(ids: string[]): JobLister & { pages: number } {
  const lister = async ({ pageSize, pageToken }: { pageSize: number; pageToken?: string }) => {
    lister.pages++;
    const from = Number(pageToken ?? 0);
    const next = from + pageSize;
    return { jobs: ids.slice(from, next).map((id) => aJob({ id })), nextPageToken: next < ids.length ? String(next) : undefined };
  };
  lister.pages = 0;
  return lister;
}

const NEWEST = 'j-01m8rbq2x5f3k9w7d1h4c6n0ta';
const OLDER = 'j-01m8rbz000000000000000000b';
const OTHER = 'j-01m7aa0000000000000000000c';

describe('job ids on the command line', () => {
  it('takes "last" as the newest job', async () => {
    assert.equal(await resolveJobId(jobsNewestFirst([NEWEST, OLDER]), 'last'), NEWEST);
  });

  it('takes a unique start of an id as that job', async () => {
    assert.equal(await resolveJobId(jobsNewestFirst([NEWEST, OLDER, OTHER]), 'j-01m7'), OTHER);
    assert.equal(await resolveJobId(jobsNewestFirst([NEWEST, OLDER, OTHER]), 'J-01M8RBQ'), NEWEST);
  });

  it('refuses an ambiguous start, listing the jobs it could mean', async () => {
    await assert.rejects(resolveJobId(jobsNewestFirst([NEWEST, OLDER, OTHER]), 'j-01m8rb'), new RegExp(`j-01m8rb is the start of 2 jobs: ${NEWEST}, ${OLDER}; give more of the id`));
  });

  it('passes a whole id and anything that is not an id on as given, without listing', async () => {
    const lister = jobsNewestFirst([NEWEST]);
    assert.equal(await resolveJobId(lister, 'j-00000000000000000000000000'), 'j-00000000000000000000000000');
    assert.equal(await resolveJobId(lister, 'nonsense'), 'nonsense');
    assert.equal(lister.pages, 0);
  });

  it('looks among the newest 500 jobs only', async () => {
    const many = Array.from({ length: 700 }, (_, i) => `j-${String(i).padStart(26, 'x')}`);
    const lister = jobsNewestFirst([...many, OTHER]);
    await assert.rejects(resolveJobId(lister, 'j-01m7'), /no job starts with j-01m7 among your newest 500 jobs/);
    assert.equal(lister.pages, 5);
  });

  it('says so when there is no job for "last"', async () => {
    await assert.rejects(resolveJobId(jobsNewestFirst([]), 'last'), /you have none yet/);
  });
});
