// Crash-safe file replacement, kept here for callers in security/; the implementation lives with the file stores.
export { writeFileAtomic } from '../store/file/atomic-write.js';
