import { describe, expect, it } from 'vitest'
import { checkResponse } from '../support/shape-check.js'

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/'
const headers = { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': 'r-1' }
const check = (operation: string, status: number, body: string) =>
  checkResponse({ service: 'ec2', operation, status, headers, body })

describe('the shape check for the ec2 protocol', () => {
  it('accepts an answer with requestId first and the members of the output', () => {
    expect(check('DescribeVpcs', 200, `<DescribeVpcsResponse xmlns="${NS}"><requestId>r-1</requestId><vpcSet><item><vpcId>vpc-1</vpcId><isDefault>true</isDefault></item></vpcSet></DescribeVpcsResponse>`)).toEqual([])
  })

  it('reports unknown members, wrong types and a missing requestId', () => {
    expect(check('DescribeVpcs', 200, `<DescribeVpcsResponse xmlns="${NS}"><vpcSet><item><colour>x</colour><isDefault>maybe</isDefault></item></vpcSet></DescribeVpcsResponse>`)).toEqual([
      '<DescribeVpcsResponse>: <RequestId> missing or empty',
      '<DescribeVpcsResponse>: <requestId> must come first',
      'Vpcs[0].colour: unknown member',
      "Vpcs[0].IsDefault: expected boolean, got 'maybe'"
    ])
  })

  it('accepts <return> for an action without output, and nothing else there', () => {
    expect(check('DeleteVpc', 200, `<DeleteVpcResponse xmlns="${NS}"><requestId>r-1</requestId><return>true</return></DeleteVpcResponse>`)).toEqual([])
    expect(check('DeleteVpc', 200, `<DeleteVpcResponse xmlns="${NS}"><requestId>r-1</requestId><vpc/></DeleteVpcResponse>`)).toEqual(['vpc: unknown member'])
  })

  it('checks the error form: Response, Errors, Error with Code and Message, RequestID', () => {
    expect(check('DeleteVpc', 400, '<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>x</Message></Error></Errors><RequestID>r-1</RequestID></Response>')).toEqual([])
    expect(check('DeleteVpc', 400, '<ErrorResponse><Error><Type>Sender</Type><Code>Bad code</Code></Error><RequestId>r-1</RequestId></ErrorResponse>')).toEqual([
      'root element: expected <Response>, got <ErrorResponse>',
      'Response.Error: unknown member',
      'Response.RequestId: unknown member',
      '<Response>: <RequestId> missing or empty',
      '<Response><Errors><Error> missing'
    ])
  })
})
