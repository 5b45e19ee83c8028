/** For tests in other packages that need archives no honest packer makes. */
export { type CraftedEntry, craftedArchive } from './crafted-archive';
