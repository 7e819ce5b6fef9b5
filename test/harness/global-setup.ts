import { ensureDebianPackages } from './debian';

export default function globalSetup(): void {
  ensureDebianPackages();
}
