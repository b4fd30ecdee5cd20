/**
 * A time as AWS writes it where milliseconds have no place: `2024-01-01T18:00:00Z`, in IMDS
 * and EC2's answers, IAM's dates, ECS's credential expirations and `aws:CurrentTime`.
 */
export const isoSeconds = (time: Date): string => time.toISOString().replace(/\.\d{3}Z$/, 'Z')
