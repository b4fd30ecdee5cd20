import { X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { certificateNames, selfSignedCertificate } from '../../src/elbv2/dataplane/certificate.js'

describe('the certificate HTTPS listeners serve', () => {
  const now = new Date('2026-12-03T12:00:00Z')
  const { cert, key } = selfSignedCertificate(certificateNames(['us-east-1', 'eu-west-1']), now)
  const x509 = new X509Certificate(cert)

  it('is a self-signed X.509 v3 certificate that verifies with its own key', () => {
    expect(x509.subject).toBe('CN=ecs-emulator load balancers')
    expect(x509.issuer).toBe(x509.subject)
    expect(x509.verify(x509.publicKey)).toBe(true)
    expect(x509.ca).toBe(false)
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/)
  })

  it('covers every load balancer DNS name of the regions, localhost and 127.0.0.1', () => {
    expect(x509.checkHost('web-1234567890.us-east-1.elb.amazonaws.com')).toBe('*.us-east-1.elb.amazonaws.com')
    expect(x509.checkHost('internal-web-1.eu-west-1.elb.amazonaws.com')).toBe('*.eu-west-1.elb.amazonaws.com')
    expect(x509.checkHost('localhost')).toBe('localhost')
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(x509.checkHost('web.ap-south-1.elb.amazonaws.com')).toBeUndefined()
  })

  it('is valid from the day before it is made, for 825 days', () => {
    expect(new Date(x509.validFrom).toISOString()).toBe('2026-12-02T12:00:00.000Z')
    expect(new Date(x509.validTo).toISOString()).toBe('2029-03-07T12:00:00.000Z')
  })
})
